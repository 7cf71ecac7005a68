"""Config schemas and validation."""

from .schema import ConfigError, validate

__all__ = ["ConfigError", "validate"]
