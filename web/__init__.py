"""The web interface in Simplified Chinese: server-rendered pages (Jinja2 + htmx) beside the HTTP API.

An outer ring like api/: pages call the service layer directly, never the HTTP API. Each page
has a JSON twin (the same path with `.json`) built from the same model. Every asset (htmx,
Swagger UI, ReDoc, styles) ships in web/static; nothing is fetched at run time.
"""
