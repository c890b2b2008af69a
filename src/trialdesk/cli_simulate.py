"""`trialdesk randomization simulate`: the randomization design simulated beside its alternatives.

Kept apart from `cli.py` (which registers it) so that the command module stays small; no database is used.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any


def run_simulate(args: argparse.Namespace) -> None:
    """Simulate the protocol's design and its alternatives and print the reports; no database is needed."""
    import secrets

    import numpy as np

    from trialdesk.core.randomization import simulation as sim
    from trialdesk.core.randomization.simulation_text import format_reports
    from trialdesk.errors import ProtocolError
    from trialdesk.protocol.loading import default_study_path, load_protocol

    path = Path(args.design_from) if args.design_from else default_study_path()
    protocol = load_protocol(path)
    design = protocol.randomization
    if design is None:
        raise ProtocolError(f"{path} defines no randomization")
    arms = [arm.id for arm in protocol.arms]
    participants = args.participants or protocol.design.target_sample_size
    seed = args.seed if args.seed is not None else secrets.randbits(63)
    alternatives = (
        [sim.with_block_sizes(design, sizes) for sizes in args.compare_block_sizes]
        + [sim.complete_randomization(design)]
        if args.compare_block_sizes
        else list(sim.standard_alternatives(design))
    )
    population = sim.Population(
        shares=dict(args.level_shares or []),
        sites=tuple(f"site-{i + 1}" for i in range(max(1, len(protocol.registration.recruitment_centres)))),
    )
    rng = np.random.default_rng(seed)
    reports = [
        sim.simulate(
            scheme,
            arms,
            participants=participants,
            trials=args.trials,
            rng=rng,
            effect_sizes=args.effect_sizes,
            alpha=args.alpha,
            population=population,
        )
        for scheme in [design, *alternatives]
    ]
    if args.json:
        _print_json(
            args,
            protocol.id,
            seed,
            arms,
            participants,
            list(zip([design, *alternatives], reports, strict=True)),
        )
        return
    print(
        f"{protocol.id}: {participants} participants, {args.trials} simulated trials per design, seed {seed}"
    )
    print(format_reports(reports))


def _print_json(
    args: argparse.Namespace,
    protocol_id: str,
    seed: int,
    arms: list[str],
    participants: int,
    runs: list[tuple[Any, Any]],
) -> None:
    """Every figure by name; `enumerated` holds the exact figures where the design can be enumerated."""
    import json

    from trialdesk.core.randomization.simulation import exact_report

    designs = []
    for scheme, report in runs:
        try:
            exact = exact_report(
                scheme, arms, participants=participants, effect_sizes=args.effect_sizes, alpha=args.alpha
            ).as_json()
        except ValueError:
            exact = None
        designs.append({**report.as_json(), "enumerated": exact})
    print(json.dumps({"protocol": protocol_id, "seed": seed, "designs": designs}, indent=2))


def _numbers(kind: Callable[[str], float]) -> Callable[[str], list[float]]:
    def parse(text: str) -> list[float]:
        try:
            return [kind(part) for part in text.split(",") if part.strip()]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected comma-separated numbers, not {text!r}") from None

    return parse


def _level_shares(text: str) -> tuple[str, dict[str, float]]:
    """'sex=female:0.9,male:0.1' -> ('sex', {'female': 0.9, 'male': 0.1})."""
    factor, _, levels = text.partition("=")
    try:
        shares = {level: float(share) for level, _, share in (p.partition(":") for p in levels.split(","))}
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected FACTOR=LEVEL:SHARE,..., not {text!r}") from None
    return factor, shares


def add_simulate_parser(
    randomization: argparse._SubParsersAction[argparse.ArgumentParser],
    *,
    handler: Callable[[argparse.Namespace], int],
) -> None:
    simulate = randomization.add_parser(
        "simulate",
        help="balance, predictability and power of the design and alternatives (simulated; no database)",
    )
    simulate.add_argument("--design-from", metavar="PROTOCOL.yaml", help="default: the default study")
    simulate.add_argument("--trials", type=int, default=10_000, help="simulated trials per design")
    simulate.add_argument("--participants", type=int, default=None, help="default: the target sample size")
    simulate.add_argument(
        "--effect-sizes", type=_numbers(float), default=[0.8, 1.0, 1.5], help="e.g. 0.8,1.0 (Cohen's d)"
    )
    simulate.add_argument("--alpha", type=float, default=0.05, help="two-sided significance level")
    simulate.add_argument("--seed", type=int, default=None, help="default: a random seed, printed")
    simulate.add_argument(
        "--compare-block-sizes",
        type=_numbers(int),
        action="append",
        metavar="2,4,6",
        help="an alternative list design with these block sizes (repeat for more)",
    )
    simulate.add_argument(
        "--level-shares",
        type=_level_shares,
        action="append",
        metavar="FACTOR=LEVEL:SHARE,...",
        help="how participants spread over a factor's levels (default: equally)",
    )
    simulate.add_argument("--json", action="store_true", help="every figure by name, as JSON")
    simulate.set_defaults(handler=handler)
