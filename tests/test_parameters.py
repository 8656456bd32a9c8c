"""The one parameter table: everything that lists hyper-parameters is derived from it."""

from __future__ import annotations

import pytest

import banknote_gd as bgd
from banknote_gd import cli, frames, parameters
from banknote_gd.parameters import PARAMETER_TABLE, resolve_config

NAMES = [
    "optimizer",
    "learning_rate",
    "batch_size",
    "schedule",
    "hidden_units",
    "standardize",
    "validation_size",
    "split_seed",
    "epochs",
]


def test_the_table_lists_the_parameters_in_column_order():
    assert list(PARAMETER_TABLE) == NAMES
    assert list(bgd.CONFIG_COLUMNS) == NAMES
    assert bgd.PARAMETERS == {name: p.default for name, p in PARAMETER_TABLE.items()}
    assert bgd.PARAMETERS["validation_size"] == 0.0 and bgd.PARAMETERS["split_seed"] == 42


def test_frame_dtypes_cli_types_and_labels_come_from_the_table():
    for name, p in PARAMETER_TABLE.items():
        assert frames._DTYPES[name] == p.dtype
        if p.default is not None:  # the CLI parses with the table's own parse
            text = f"{name}={str(p.default).lower()}"
            assert cli.parse_assignments([text]) == {name: [p.default]}
        assert parameters.parameter_labels()[name] == p.label and p.help


def test_each_default_passes_its_own_check_and_parses_from_text():
    config = resolve_config({})
    for name, p in PARAMETER_TABLE.items():
        if p.default is not None:
            assert config[name] == p.default
            assert p.parse(str(p.default).lower()) == p.default
    assert config["learning_rate"] == 0.01  # SGD's default rate filled in


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"validation_size": 1}, ValueError, r"0 <= validation_size < 1, got 1.0"),
        ({"validation_size": float("nan")}, ValueError, r"validation_size .* got nan"),
        ({"split_seed": 1.5}, TypeError, r"split_seed must be a whole number, got 1.5"),
        ({"optimiser": "sgd"}, ValueError, r"Unknown parameter\(s\) \['optimiser'\]; allowed"),
        ({"standardize": "yes"}, TypeError, r"standardize must be True or False"),
    ],
)
def test_resolve_names_the_bad_parameter(params, error, match):
    with pytest.raises(error, match=match):
        resolve_config(params)


def test_cli_parses_the_new_parameters():
    assert cli.parse_assignments(["validation_size=0.2", "split_seed=1,2"]) == {
        "validation_size": [0.2],
        "split_seed": [1, 2],
    }


def test_group_key_shares_what_fixes_data_shapes_and_update_rule():
    per_member = {name for name, p in PARAMETER_TABLE.items() if p.per_member}
    assert per_member == {"learning_rate", "schedule"}
