"""socinnov: research-action analysis kit for a regional call for social-innovation experiments."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("socinnov")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+local"
