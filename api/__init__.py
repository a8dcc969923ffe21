"""The HTTP API (FastAPI) for programs: routers per resource, problem details, limits, OpenAPI.

An outer ring: routes call the service layer (service.queries, service.policy, the ledger) and
hold no rules. People use the pages in web/, served by the same process.
"""
