"""Choice of the torch device the models run on."""

import torch


def select_device(requested: str = "auto") -> str:
    """Return ``cuda`` when requested or available, ``cpu`` otherwise.

    Raises ``ValueError`` when ``cuda`` is requested on a machine without a CUDA device, because
    silently falling back would make latency numbers from such a run meaningless.
    """
    if requested not in {"auto", "cpu", "cuda"}:
        message = f"invalid model device {requested!r}: expected 'auto', 'cpu' or 'cuda'"
        raise ValueError(message)

    has_cuda = torch.cuda.is_available()
    if requested == "cuda" and not has_cuda:
        message = (
            "model device 'cuda' was requested but torch sees no CUDA device; "
            "install a CUDA build of torch or set SERVING_MODEL_DEVICE=cpu"
        )
        raise ValueError(message)

    if requested == "auto":
        return "cuda" if has_cuda else "cpu"
    return requested
