"""The publish benchmark measures what it says: one broadcast at publish, every member's message
written by the fan-out."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "code_of_ethics.py"


def test_the_publish_benchmark_writes_one_broadcast_then_one_message_per_member(tmp_path, database_kind):
    if database_kind != "sqlite":
        pytest.skip("the script makes a database of its own: once, on SQLite, is enough")
    spec = importlib.util.spec_from_file_location("bench_code_of_ethics", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.measure(f"sqlite:///{tmp_path / 'bench.db'}", 30)
    assert result["members"] == 60  # 1, 2 or 3 members in turn
    assert result["broadcasts"] == 1
    assert result["messages_at_publish"] == 0
    assert result["messages_per_second"] > 0
