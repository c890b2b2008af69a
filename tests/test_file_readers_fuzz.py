"""Every reader of a file given to the system refuses malformed input with a domain error, never a traceback.

Random bytes and mutated copies of the shipped files go to the protocol loader, the registry-record importer
and the two randomization-list importers; the only exception allowed out is a `TrialdeskError`.
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialdesk.core.randomization import ImportMapping, import_redcap, import_sealed_envelope
from trialdesk.errors import TrialdeskError
from trialdesk.files import read_text_file
from trialdesk.protocol.irct import import_irct
from trialdesk.protocol.loading import default_study_path, load_protocol
from trialdesk.protocol.randomization import RandomizationDesign

SEED_RECORD = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_70eb4ea3a255781a.txt"
STUDY = default_study_path()
SAMPLES = {
    "protocol": STUDY.read_bytes(),
    "record": SEED_RECORD.read_bytes() if SEED_RECORD.exists() else b"Trial registration\n",
    "sealed_envelope": b"Randomization ID,Treatment,Block identifier,Block size\nKS001,Exosome,1,4\n",
}


def _mutations(sample: bytes) -> st.SearchStrategy[bytes]:
    def mutate(data: tuple[int, int, bytes]) -> bytes:
        start, length, insert = data
        start = start % (len(sample) + 1)
        return sample[:start] + insert + sample[start + length :]

    return st.tuples(st.integers(0, 10**6), st.integers(0, 200), st.binary(max_size=64)).map(mutate)


def _inputs(kind: str) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=512), _mutations(SAMPLES[kind]))


def _read_protocol(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "protocol.yaml"
        path.write_bytes(data)
        load_protocol(path)


def _import_record(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "record.txt"
        path.write_bytes(data)
        import_irct(read_text_file(path, max_bytes=5_000_000))


@functools.cache
def _design() -> RandomizationDesign:
    """The shipped study's design, read once (reading the protocol on every example made this test slow)."""
    design = load_protocol(STUDY).randomization
    assert design is not None
    return design


def _import_lists(data: bytes) -> None:
    design = _design()
    for importer in (import_sealed_envelope, import_redcap):
        with contextlib.suppress(TrialdeskError):
            importer(data, design=design, mapping=ImportMapping(), site_codes=["KUMS"])


READERS = {"protocol": _read_protocol, "record": _import_record, "sealed_envelope": _import_lists}
FUZZ = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)


@pytest.mark.parametrize("kind", sorted(READERS))
def test_readers_refuse_random_and_mutated_input_with_a_domain_error(kind: str) -> None:
    @FUZZ
    @given(_inputs(kind))
    def run(data: bytes) -> None:
        with contextlib.suppress(TrialdeskError):
            READERS[kind](data)

    run()


@pytest.mark.parametrize(
    "data",
    [b"", b"\n\n", b"\xff\xfe\x00b", "[" * 10_000, b"a: &x [*x]", b"- just\n- a list\n", b"id: [1, 2"],
)
def test_protocol_loader_refuses_degenerate_files(data) -> None:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(TrialdeskError):
        _read_protocol(raw)


@pytest.mark.parametrize("data", [b"", b"   \n", b"\x00\x01binary", b"Title only\n"])
def test_registry_importer_refuses_empty_binary_or_header_only_records(data) -> None:
    with pytest.raises(TrialdeskError):
        _import_record(data)
