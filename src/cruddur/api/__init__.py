"""The HTTP API (FastAPI): thin routes over the services, errors mapped at one edge."""

from cruddur.api.app import create_app

__all__ = ["create_app"]
