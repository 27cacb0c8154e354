"""Appeal-guide site generator: content → validated records → planned pages → rendered site."""

__version__ = "0.1.0"
