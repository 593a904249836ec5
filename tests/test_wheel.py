"""The package as pip installs it: an sdist, the wheel built from it, installed in a new virtualenv
outside the clone, renders the example byte for byte as the editable install does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
from support import EXAMPLE, ROOT

# What a build never reads: everything else is copied, the templates link as a link.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "outputs", "inputs", "tests", "*.egg-info", "__pycache__", ".*_cache"
)


def _run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel pip builds from the project's sdist (so the sdist, too, must carry every runtime file)."""
    work = tmp_path_factory.mktemp("build")
    source = work / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=NOT_SOURCE)
    # The sdist as a build frontend makes it, with the declared build requirements first on the path
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]
    backend = work / "backend"
    _run(sys.executable, "-m", "pip", "install", "-q", "--target", backend, *requires, cwd=work)
    hook = "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
    env = {**_clean_env(), "PYTHONPATH": str(backend)}
    built = _run(sys.executable, "-c", hook, work / "dist", cwd=source, env=env)
    sdist = work / "dist" / built.strip().splitlines()[-1]
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", work / "wheels", sdist, cwd=work)
    (wheel,) = (work / "wheels").glob("budget_report-*.whl")
    return wheel


def test_wheel_carries_the_templates(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = sorted(p.name for p in (ROOT / "templates").iterdir() if p.is_file())
    assert templates and {f"generator/templates/{name}" for name in templates} <= names
    assert "generator/reference/refdata/codes_2024.json" in names
    assert not [n for n in names if n.split("/")[0] not in ("generator",) and ".dist-info/" not in n], names


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtualenv outside the clone with the wheel installed: its bin folder.

    The wheel goes in alone (no index, no dependencies); the dependencies are the development
    virtualenv's, seen through a .pth line added after the install. A .pth file in a folder named
    that way is not run, so the editable install's finder there never puts the clone in reach.
    """
    venv = tmp_path_factory.mktemp("venv") / "env"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv.parent)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel, cwd=venv)
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=venv).strip()
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "dev-dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n", encoding="utf-8")
    return venv / "bin"


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def test_the_installed_package_is_not_the_clone(installed: Path, tmp_path: Path):
    where = _run(
        installed / "python",
        "-c",
        "import generator, generator.render as r, weasyprint; print(generator.__file__); print(r.TEMPLATES); "
        "print(weasyprint.__file__)",
        cwd=tmp_path,
        env=_clean_env(),
    ).splitlines()
    venv = installed.parent.resolve()
    assert Path(where[0]).resolve().is_relative_to(venv), where
    assert Path(where[1]).resolve().is_relative_to(venv) and Path(where[1], "style.css").is_file(), where
    assert not Path(where[2]).resolve().is_relative_to(venv)  # a dependency, from the development virtualenv
    assert not any(Path(w).resolve().is_relative_to(ROOT) for w in where[:2]), where  # nothing of ours from the clone


def test_the_wheel_renders_the_example_as_the_editable_install(installed: Path, example_outputs, tmp_path: Path):
    out = tmp_path / "out"
    _run(installed / "budget-report", "render", EXAMPLE, "-o", out, cwd=tmp_path, env=_clean_env())
    for fmt in ("pdf", "docx"):
        assert (out / f"{EXAMPLE.stem}.{fmt}").read_bytes() == example_outputs[fmt].read_bytes(), fmt


def test_the_wheel_exports_the_templates(installed: Path, tmp_path: Path):
    _run(installed / "budget-report", "templates", "export", tmp_path / "本局模板", cwd=tmp_path, env=_clean_env())
    for name in ("document.html.j2", "style.css", "reference.docx"):
        assert (tmp_path / "本局模板" / name).read_bytes() == (ROOT / "templates" / name).read_bytes()
