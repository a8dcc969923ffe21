"""The FastAPI service: the HTTP service issue."""
