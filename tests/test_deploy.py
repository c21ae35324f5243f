"""deploy/: the Kubernetes manifests against Kubernetes' own schemas (kubernetes-validate,
strict: an unknown field is an error), the Compose file against the Compose specification
(compose-spec), and the newsgraph.yaml both mount against newsgraph's settings."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from compose_spec import PyCompose

from newsgraph.server.config import load_config
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
# The oldest Kubernetes the manifests are for: native sidecars (an init container with
# `restartPolicy: Always`) are on by default from 1.29.
KUBERNETES = "1.29.0"


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def kustomization() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    return loaded


def generated_config_maps() -> list[dict[str, Any]]:
    """The ConfigMaps `kubectl apply -k deploy/` makes from the kustomization's generator."""
    made = []
    for generator in kustomization()["configMapGenerator"]:
        data = {Path(file).name: (DEPLOY / file).read_text() for file in generator.get("files", [])}
        data |= dict(literal.split("=", 1) for literal in generator.get("literals", []))
        made.append(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": generator["name"]}}
            | {"data": data}
        )
    return made


def manifests() -> list[dict[str, Any]]:
    resources = [doc for path in kustomization()["resources"] for doc in documents(DEPLOY / path)]
    return resources + generated_config_maps()


def validate(manifest: dict[str, Any]) -> None:
    kubernetes_validate.validate(manifest, KUBERNETES, strict=True)


@pytest.mark.parametrize(
    "manifest", manifests(), ids=lambda m: f"{m['kind']}/{m['metadata']['name']}"
)
def test_each_manifest_is_valid_kubernetes(manifest: dict[str, Any]) -> None:
    validate(manifest)


def test_the_validator_rejects_a_mistake() -> None:
    deployment = next(m for m in manifests() if m["kind"] == "Deployment")
    wrong = copy.deepcopy(deployment)
    wrong["spec"]["replica"] = wrong["spec"].pop("replicas")
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(wrong)


def test_the_reference_deployment_has_every_part() -> None:
    kinds = {(m["kind"], m["metadata"]["name"]) for m in manifests()}
    for part in [
        ("Deployment", "newsgraph"),
        ("Service", "newsgraph"),
        ("HorizontalPodAutoscaler", "newsgraph"),
        ("PodDisruptionBudget", "newsgraph"),
        ("ConfigMap", "newsgraph-config"),
        ("Deployment", "newsgraph-proxy"),
        ("Deployment", "redis"),
    ]:
        assert part in kinds
    listed = set(kustomization()["resources"])
    assert listed == {f"kubernetes/{p.name}" for p in (DEPLOY / "kubernetes").glob("*.yaml")}


def test_probes_are_readiness_and_liveness() -> None:
    deployment = next(m for m in manifests() if m["metadata"]["name"] == "newsgraph")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_health_checks_ask_the_health_port() -> None:
    deployment = next(m for m in manifests() if m["metadata"]["name"] == "newsgraph")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    environment = {variable["name"]: variable["value"] for variable in container["env"]}
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports["health"] == int(environment["NEWSGRAPH_HEALTH_PORT"])
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["port"] == "health"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "ENV NEWSGRAPH_HEALTH_PORT=8001" in dockerfile
    assert "http://127.0.0.1:8001/healthz" in dockerfile.partition("HEALTHCHECK")[2]
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert "http://127.0.0.1:8001/readyz" in " ".join(
        compose["services"]["newsgraph"]["healthcheck"]["test"]
    )


def config_maps_used(node: object) -> set[str]:
    """The names of the ConfigMaps a manifest mounts or reads keys of."""
    if isinstance(node, list):
        return set().union(*(config_maps_used(item) for item in node))
    if not isinstance(node, dict):
        return set()
    used = {node[key]["name"] for key in ("configMap", "configMapKeyRef") if key in node}
    return used.union(*(config_maps_used(value) for value in node.values()))


def test_every_config_map_used_is_generated() -> None:
    generated = {m["metadata"]["name"] for m in generated_config_maps()}
    used = config_maps_used(manifests())
    assert used == generated


def test_compose_file_follows_the_compose_spec() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    compose = PyCompose.from_yaml(text)
    assert set(compose.service_names()) == {"nginx", "newsgraph", "redis", "git-sync"}
    with pytest.raises(ValueError):
        PyCompose.from_yaml(text.replace("    depends_on:", "    depends_upon:", 1))


def test_compose_and_kubernetes_mount_the_same_files() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    mounted = {
        volume.split(":")[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
    }
    generated = {
        f"./{file}" for g in kustomization()["configMapGenerator"] for file in g.get("files", [])
    }
    assert generated <= mounted


def test_the_deployment_config_is_valid() -> None:
    config = load_config(DEPLOY / "newsgraph.yaml", environ={})
    assert config.apq_redis_url == "redis://redis:6379/0"
    assert config.reload_interval > 0
    assert [source.type for source in config.sources] == ["yaml_folder"]
