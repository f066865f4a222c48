"""Shared test set-up: Qt runs offscreen unless a display was asked for."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
