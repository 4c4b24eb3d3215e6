from typing import Any

from django.core import checks

from .framing import configured_origins, is_valid_origin


@checks.register(checks.Tags.security)
def check_frame_ancestors(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"WIDGET_FRAME_ANCESTORS: {origin!r} is not an origin.",
            hint="Use scheme://host[:port], e.g. https://shop.example.com or "
            "https://*.example.com, separated by commas.",
            id="widget.E001",
        )
        for origin in configured_origins()
        if not is_valid_origin(origin)
    ]
