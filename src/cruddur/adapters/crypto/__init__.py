"""Envelope encryption of message text: data keys wrapped by KMS (or a local key file)."""
