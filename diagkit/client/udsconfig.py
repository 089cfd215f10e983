"""udsoncan's client config as diagkit uses it: udsoncan's defaults, the options, diagkit's timing.

Light on purpose (no ``udsoncan.client``): a client reads its DID codecs and padding rule from
this config before, and often without, udsoncan's ``Client`` being built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from udsoncan import valid_standards
from udsoncan.configs import default_client_config
from udsoncan.typing import ClientConfig

from diagkit.client.timing import Timing
from diagkit.errors import ConfigurationError

# Options whose udsoncan meaning diagkit replaces: errors always raise, timing is ours.
_FORCED: dict[str, object] = {
    "exception_on_negative_response": True,
    "exception_on_invalid_response": True,
    "exception_on_unexpected_response": True,
    "nrc78_callback": None,
}


def client_config(options: Mapping[str, Any] | None, timing: Timing) -> ClientConfig:
    """A complete udsoncan config from ``options`` (e.g. a profile's), with diagkit's timing."""
    config: dict[str, Any] = dict(default_client_config)
    config.update(options or {})
    config.update(_FORCED)
    config["p2_timeout"] = timing.p2
    config["p2_star_timeout"] = timing.p2_star
    config["request_timeout"] = timing.request_timeout
    config["use_server_timing"] = timing.use_server_timing
    if config["standard_version"] not in valid_standards:  # what udsoncan's Client refuses
        raise ConfigurationError(
            f"udsoncan configuration: valid standard versions are "
            f"{', '.join(map(str, sorted(valid_standards)))}, not {config['standard_version']}"
        )
    return cast(ClientConfig, config)
