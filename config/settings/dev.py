"""Development and demo defaults: the embedded SQLite database and queue, DEBUG on."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
