"""udsoncan's ``Client`` with its transmission replaced by diagkit's exchange.

Every udsoncan service method builds its request and interprets the answer with udsoncan's own
codecs; only ``send_request`` differs: the exchange lock, ISO 14229-2 timing, diagkit errors,
and a response object built without udsoncan's per-response reflection.
"""

from __future__ import annotations

import logging
from typing import cast

from udsoncan.BaseService import BaseService
from udsoncan.client import Client
from udsoncan.connections import BaseConnection
from udsoncan.Request import Request
from udsoncan.Response import Response
from udsoncan.typing import ClientConfig

from diagkit.client.exchange import Exchange
from diagkit.client.timing import Timing
from diagkit.connection import register_with_udsoncan
from diagkit.errors import ConfigurationError, ResponseTimeoutError

# udsoncan formats and logs each step (and logs every NRC as an ERROR); diagkit logs every
# exchange itself, so udsoncan's lines go to a logger outside the hierarchy that drops them.
_SILENT = logging.Logger("diagkit.client.udsoncan")
_SILENT.disabled = True

_POSITIVE_NAME = "PositiveResponse"

class UdsClient(Client):
    """A udsoncan ``Client`` whose requests go through ``exchange``."""

    def __init__(self, exchange: Exchange, config: ClientConfig) -> None:
        self.exchange = exchange
        register_with_udsoncan()
        super().__init__(cast(BaseConnection, exchange.connection), config)

    def configure_logger(self) -> None:
        self.logger = _SILENT

    def send_request(self, request: Request, timeout: int = -1) -> Response | None:
        """Send ``request`` through the exchange; ``timeout`` >= 0 bounds it overall."""
        service = request.service
        if service is None:
            raise ConfigurationError("the udsoncan request has no service")
        spr = self.suppress_positive_response
        if spr.enabled and service.use_subfunction():
            payload = request.get_payload(suppress_positive_response=True)
            suppressed = True
        else:
            payload = request.get_payload()
            suppressed = request.suppress_positive_response
        if self.payload_override.enabled:
            payload = self.payload_override.get_overrided_payload(payload)
        timing = None
        if timeout >= 0:
            timing = Timing(
                p2=timeout,
                p2_star=self.exchange.timing.p2_star,
                request_timeout=timeout,
                use_server_timing=False,
            )
        wait = not suppressed or spr.wait_nrc
        try:
            pdu = self.exchange.request(payload, suppress=not wait, timing=timing)
        except ResponseTimeoutError:
            # No news is good news when the positive answer was suppressed; only the ECU's
            # silence means that: a transport timeout (no flow control...) is a dead channel.
            if suppressed:
                return None
            raise
        if pdu is None or suppressed:
            return None
        response = positive_response(service, pdu)
        response.original_request = request
        self.last_response = response
        return response


def positive_response(service: type[BaseService], pdu: bytes) -> Response:
    """udsoncan's ``Response.from_payload`` for a known positive answer, without reflection."""
    response = Response()
    response.service = service
    response.original_payload = pdu
    response.code = 0
    response.code_name = _POSITIVE_NAME
    response.positive = True
    response.valid = True
    response.invalid_reason = ""
    response.data = pdu[1:]
    return response
