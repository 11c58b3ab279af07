"""``python -m tests.bench.city [--scale 0.01] [--region shanghai] [--db-prefix seed] [--tag city] [--drop]`` (``make seed-city``)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from tests.bench.city.drop import drop_city
from tests.bench.city.seed import PARTS, Options, seed


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="make seed-city",
        description="Seed one region's city through the services' own write paths (issue #10); resumable.",
    )
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 2,000 projects, 500,000 units, 200,000 claims")
    parser.add_argument("--region", default="shanghai", help="region code (a file in regions/)")
    parser.add_argument(
        "--db-prefix",
        default="seed",
        help="databases <prefix>_{registry,policy,risk,claims,city}_<region> (default seed)",
    )
    parser.add_argument("--claim-chunk", type=int, default=5_000, help="claims per checkpoint")
    parser.add_argument(
        "--policy-chunk", type=int, default=40, help="projects (of 250 units and 250 risk issues) per checkpoint"
    )
    parser.add_argument("--slice", type=int, default=100_000, help="documents of the benchmark's old-way slice")
    parser.add_argument(
        "--documents", type=int, default=None, help="claims taken to a stage that renders a PDF (default 200 × scale)"
    )
    parser.add_argument(
        "--issues-per-project",
        type=int,
        default=None,
        help="risk issues of each project (default 250, the issue's 500,000 at scale 1; see README for the cost)",
    )
    parser.add_argument(
        "--tag",
        default=None,
        help="the ids' prefix (default city); a second city seeded beside another on the same Kafka needs its own",
    )
    parser.add_argument(
        "--parts",
        default=",".join(sorted(PARTS)),
        help="comma-separated subset of registry,projects,claims,slice (to time one part alone)",
    )
    parser.add_argument("--base-port", type=int, default=18_400, help="registry, policy, risk, claims on base + 1 … 4")
    parser.add_argument("--log-dir", type=Path, default=Path(".run/city"), help="the services' logs go below it")
    parser.add_argument("--drop", action="store_true", help="drop the city's databases and bucket, then stop")
    args = parser.parse_args()
    if args.drop:
        asyncio.run(drop_city(args.db_prefix, args.region))
        return
    options = Options(
        scale=args.scale,
        region=args.region,
        prefix=args.db_prefix,
        policy_chunk=args.policy_chunk,
        claim_chunk=args.claim_chunk,
        slice_docs=args.slice,
        documents=args.documents,
        issues_per_project=args.issues_per_project,
        tag=args.tag,
        base_port=args.base_port,
        parts=frozenset(args.parts.split(",")) & PARTS,
        log_dir=args.log_dir,
    )
    asyncio.run(seed(options))


if __name__ == "__main__":
    main()
