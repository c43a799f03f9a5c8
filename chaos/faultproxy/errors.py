"""The exception that API handlers turn into a Toxiproxy error body."""


class ApiError(Exception):
    """An HTTP error with the message sent as ``{"error": message, "status": status}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
