"""Live events: the stream processor tells each member's browsers that their inbox moved."""
