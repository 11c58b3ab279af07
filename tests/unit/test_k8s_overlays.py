"""XC-06: one deployment per region — every region file in regions/ has its Kubernetes overlay under
deploy/k8s/regions/<region>, naming that region and its own namespace, on the base that deploys every
service and the web; every manifest parses as YAML."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
REGIONS = sorted(p.stem for p in (ROOT / "regions").glob("*.yaml"))
DEPLOYED = ("registry", "policy", "risk", "claims", "notify", "web")


def test_xc06_the_four_regions_are_there() -> None:
    assert set(REGIONS) >= {"shanghai", "hangzhou", "shaoxing", "qingdao-laoshan"}


@pytest.mark.parametrize("region", REGIONS)
def test_xc06_every_region_file_has_an_overlay_for_that_region(region: str) -> None:
    overlay = yaml.safe_load((K8S / "regions" / region / "kustomization.yaml").read_text(encoding="utf-8"))
    assert overlay["namespace"] == f"anju-{region}" and overlay["resources"] == ["../../base"]
    [config] = [g for g in overlay["configMapGenerator"] if g["name"] == "anju-region"]
    settings = dict(literal.split("=", 1) for literal in config["literals"])
    assert settings["ANJU_REGION"] == region and settings["ANJU_PROFILE"] == "production"
    assert all(
        f"anju-{region}.svc" in settings[k] for k in ("ANJU_KAFKA_BOOTSTRAP", "ANJU_MONGO_URL", "ANJU_S3_ENDPOINT")
    )


def test_the_base_deploys_every_service_and_the_web_and_every_manifest_parses() -> None:
    base = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text(encoding="utf-8"))
    for resource in base["resources"]:
        assert all(doc is not None for doc in yaml.safe_load_all((K8S / "base" / resource).read_text(encoding="utf-8")))
    names = {
        doc["metadata"]["name"]
        for resource in base["resources"]
        for doc in yaml.safe_load_all((K8S / "base" / resource).read_text(encoding="utf-8"))
        if doc["kind"] == "Deployment"
    }
    assert names == {f"anju-{s}" for s in DEPLOYED}
    [web] = [d for d in yaml.safe_load_all((K8S / "base" / "web.yaml").read_text()) if d["kind"] == "Deployment"]
    env = {e["name"]: e.get("value") for e in web["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert all(env[f"ANJU_WEB_{s.upper()}_URL"] == f"http://anju-{s}" for s in DEPLOYED if s != "web")
