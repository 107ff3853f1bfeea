"""The fault suite's shared checks live outside test modules: let pytest explain their asserts."""

import pytest

pytest.register_assert_rewrite("tests.faults.checks")
