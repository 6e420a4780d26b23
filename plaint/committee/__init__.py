"""The independent committee: members, conflicts, panels drawn at random, votes and the majority.

Other apps ask for a panel with `draw.draw_panel` and hear of its outcome through `on_decided`.
"""


def on_decided(subject_prefix: str, handler) -> None:  # noqa: ANN001
    """Register `handler(panel)` for decided panels whose subject is "<subject_prefix>:…" (see callbacks)."""
    from .callbacks import on_decided as register

    register(subject_prefix, handler)
