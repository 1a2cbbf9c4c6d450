"""Use cases as functions: they take a MessagingContext, return values, raise typed errors."""
