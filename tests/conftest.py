"""Suite-wide set-up: every service the tests start signs seals with the test key (tests/signing.py)."""

from __future__ import annotations

import os

from tests.signing import TEST_KEY

os.environ["SCORELEDGER_SIGNING_KEY"] = str(TEST_KEY)  # read by Settings.from_env in CLI runs and subprocesses
