"""Collection sizes (documents and bytes, from ``collStats``) of the city's databases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import AsyncMongoClient

Doc = dict[str, Any]
Sizes = dict[str, dict[str, dict[str, int]]]  # database -> collection -> {"count", "bytes"}


async def collection_sizes(mongo: AsyncMongoClient[Doc], databases: Sequence[str]) -> Sizes:
    sizes: Sizes = {}
    for name in databases:
        db = mongo[name]
        found: dict[str, dict[str, int]] = {}
        for collection in sorted(await db.list_collection_names()):
            stats = await db.command("collStats", collection)
            found[collection] = {"count": int(stats.get("count", 0)), "bytes": int(stats.get("size", 0))}
        sizes[name] = found
    return sizes


def format_sizes(sizes: Sizes) -> list[str]:
    lines = [f"{'collection':<52} {'documents':>11} {'MiB':>9}"]
    for database, collections in sizes.items():
        total = 0
        for collection, figures in collections.items():
            total += figures["bytes"]
            lines.append(f"{database + '.' + collection:<52} {figures['count']:>11,} {figures['bytes'] / 2**20:>9.1f}")
        lines.append(f"{database + ' (all)':<52} {'':>11} {total / 2**20:>9.1f}")
    return lines
