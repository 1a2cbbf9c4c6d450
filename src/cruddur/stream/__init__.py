"""The stream processor (one function) and its two runners: Lambda and the local poller."""
