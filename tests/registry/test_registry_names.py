"""Version references and alias names, over arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emotrain.errors import ConfigError
from emotrain.registry.store import check_alias, parse_ref


@given(st.text(max_size=30))
def test_alias_names_are_accepted_or_refused_with_a_usage_error(text):
    try:
        alias = check_alias(text)
    except ConfigError as exc:
        assert "--alias" in str(exc)
    else:  # an accepted alias can never read as a version number or as `latest`
        assert alias[0].isalpha() and not alias.isdigit() and alias != "latest"
        assert parse_ref(f"groove@{alias}") == ("groovepredictor", alias)


@given(st.integers(min_value=1, max_value=10**9))
def test_numbers_round_trip(n):
    assert parse_ref(f"melody@{n}") == ("melodytransformer", str(n))


@pytest.mark.parametrize("text", ["groove", "@3", "groove@", "flute@1", ""])
def test_malformed_references(text):
    with pytest.raises(ConfigError):
        parse_ref(text)
