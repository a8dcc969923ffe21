"""Prometheus metrics (prometheus-client), one registry per app: requests by route template and status,
latency, events appended, projection lag (events and seconds, read at scrape time), verification failures."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from service.lag import projection_lag

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class LagCollector(Collector):
    """The views' lag, computed when scraped (never from a figure a request left behind)."""

    def __init__(self, app: Any):
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        service = getattr(self.app.state, "service", None)
        if service is None:
            return
        lag = projection_lag(service)
        yield GaugeMetricFamily("scoreledger_log_position", "The log's last position.", value=lag.log_position)
        yield GaugeMetricFamily("scoreledger_views_position", "The position the views include.",
                                value=lag.views_position)
        yield GaugeMetricFamily("scoreledger_projection_lag_events", "Events in the log the views do not include yet.",
                                value=lag.events)
        yield GaugeMetricFamily("scoreledger_projection_lag_seconds",
                                "Age of the oldest event the views do not include yet.", value=lag.seconds)


class Metrics:
    """The app's registry and its instruments."""

    def __init__(self, app: Any):
        self.registry = CollectorRegistry()
        self.requests = Counter("scoreledger_http_requests", "HTTP requests by method, route template and status.",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("scoreledger_http_request_duration_seconds", "HTTP request latency by route template.",
                                 ["method", "route"], buckets=BUCKETS, registry=self.registry)
        self.appended = Counter("scoreledger_events_appended", "Events this process appended to the log.",
                                registry=self.registry)
        self.verification_failures = Counter("scoreledger_verification_failures",
                                             "Verifications that found a finding (GET /periods/{code}/verification).",
                                             registry=self.registry)
        self.registry.register(LagCollector(app))
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count a request. The labelled children are kept by their labels (`labels()` looks them up under a lock
        each time, ~2% of a recording's event-loop CPU, issue 12); routes are templates, so they are bounded."""
        children = self._children.get((method, route, status))
        if children is None:
            children = (self.requests.labels(method, route, str(status)), self.latency.labels(method, route))
            self._children[method, route, status] = children
        children[0].inc()
        children[1].observe(seconds)


def verification_done(app: Any, ok: bool) -> None:
    """Count a verification that found something (the audit route calls this)."""
    metrics = getattr(app.state, "metrics", None)
    if metrics is not None and not ok:
        metrics.verification_failures.inc()
