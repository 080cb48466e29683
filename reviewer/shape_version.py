"""The version of the JSON shapes the commands print, apart so `--version` imports nothing more."""

SHAPE_VERSION = 1
