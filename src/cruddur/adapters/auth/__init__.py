"""Sign-in: access tokens issued and verified, their signing keys and JWKS, password hashes."""
