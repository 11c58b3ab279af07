"""``--drop``: remove a seeded city — its databases and its services' buckets (every object version)."""

from __future__ import annotations

import asyncio

from minio import Minio

from anju_kit.mongo import connect
from anju_kit.settings import ServiceSettings
from tests.bench.city.processes import SERVICES, CityNames


async def drop_city(prefix: str, region: str) -> None:
    settings = ServiceSettings.for_service("city-seed", region=region)
    names = CityNames(prefix, region)
    mongo = connect(settings)
    try:
        for service in (*SERVICES, "city"):
            await mongo.drop_database(names.database(service))
            print(f"dropped database {names.database(service)}")
    finally:
        await mongo.close()
    for service in ("policy", "risk", "claims"):
        bucket = names.bucket(service)
        removed = await asyncio.to_thread(_empty_bucket, settings, bucket)
        print(f"removed bucket {bucket} ({removed} object versions)" if removed >= 0 else f"no bucket {bucket}")


def _empty_bucket(settings: ServiceSettings, bucket: str) -> int:
    client = Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key.get_secret_value(),
        secure=settings.s3_secure,
    )
    if not client.bucket_exists(bucket):
        return -1
    removed = 0
    for item in client.list_objects(bucket, recursive=True, include_version=True):
        client.remove_object(bucket, item.object_name or "", version_id=item.version_id)
        removed += 1
    client.remove_bucket(bucket)
    return removed
