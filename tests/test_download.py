"""Download of the UCI data sets when their files are missing: no network,
the archives are built from the shared data and served as ``file://``."""

import hashlib
import zipfile
from dataclasses import replace

import numpy as np
import pytest

from sktransfer.datasets import (
    _real,
    fetch_amazon_reviews,
    fetch_heart_disease,
    fetch_office_caltech10,
    fetch_wine_quality,
)
from sktransfer.datasets._base import DatasetSpec
from sktransfer.datasets._download import DownloadError

WINE_FILES = ["winequality-red.csv", "winequality-white.csv"]
HEART_FILES = ["processed.cleveland.data", "processed.hungarian.data",
               "processed.switzerland.data", "processed.va.data"]


def make_zip(path, members):
    """Write the zip ``path`` holding ``{name in archive: bytes}``; return
    its ``file://`` URL."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path.as_uri()


def serve(monkeypatch, spec_name, url):
    """Make the loaders fetch the data set ``spec_name`` of ``_real`` from ``url``."""
    monkeypatch.setattr(_real, spec_name, replace(getattr(_real, spec_name), url=url))


def read(folder, names):
    return {name: (folder / name).read_bytes() for name in names}


@pytest.fixture
def wine_zip(shared_data, tmp_path):
    """The two wine files at the top of the archive, as UCI ships them."""
    return make_zip(tmp_path / "wine.zip", read(shared_data / "wine_quality", WINE_FILES))


def assert_same_data(a, b):
    np.testing.assert_array_equal(a.X, b.X)  # NaN compare equal here
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.sample_domain, b.sample_domain)
    assert a.feature_names == b.feature_names and a.domain_names == b.domain_names


def test_missing_wine_files_are_downloaded_into_a_new_folder(
        shared_data, wine_zip, tmp_path, monkeypatch):
    serve(monkeypatch, "WINE", wine_zip)
    home = tmp_path / "not" / "yet" / "there"
    downloaded = fetch_wine_quality(data_home=home)
    assert_same_data(downloaded, fetch_wine_quality(data_home=shared_data))
    # exactly the two files, identical to the originals, no temporary left
    folder = home / "wine_quality"
    assert sorted(p.name for p in folder.iterdir()) == WINE_FILES
    assert read(folder, WINE_FILES) == read(shared_data / "wine_quality", WINE_FILES)


def test_members_in_sub_folders_are_found_and_other_files_ignored(
        shared_data, tmp_path, monkeypatch):
    originals = read(shared_data / "heart_disease", HEART_FILES)
    members = {f"heart+disease/{name}": data for name, data in originals.items()}
    members["heart+disease/heart-disease.names"] = b"documentation"
    members["heart+disease/old/processed.va.data"] = b"1,2,3\n"  # deeper copy loses
    serve(monkeypatch, "HEART", make_zip(tmp_path / "heart.zip", members))
    home = tmp_path / "home"
    va = fetch_heart_disease(data_home=home, domains="va")
    assert_same_data(va, fetch_heart_disease(data_home=shared_data, domains="va"))
    # the archive was fetched once for the whole data set, not for "va" only
    folder = home / "heart_disease"
    assert sorted(p.name for p in folder.iterdir()) == sorted(HEART_FILES)
    assert read(folder, HEART_FILES) == originals


def test_present_files_are_read_without_downloading_again(
        shared_data, wine_zip, tmp_path, monkeypatch):
    serve(monkeypatch, "WINE", wine_zip)
    first = fetch_wine_quality(data_home=tmp_path / "home")
    serve(monkeypatch, "WINE", (tmp_path / "gone.zip").as_uri())
    again = fetch_wine_quality(data_home=tmp_path / "home")
    assert_same_data(first, again)


def test_corrupted_member_fails_its_checksum_and_nothing_is_installed(
        shared_data, tmp_path, monkeypatch):
    members = read(shared_data / "wine_quality", WINE_FILES)
    members["winequality-white.csv"] = members["winequality-white.csv"].replace(
        b";", b",", 1)
    actual = hashlib.sha256(members["winequality-white.csv"]).hexdigest()
    serve(monkeypatch, "WINE", make_zip(tmp_path / "wine.zip", members))
    folder = tmp_path / "home" / "wine_quality"
    folder.mkdir(parents=True)  # the user's folder, already there and empty
    with pytest.raises(OSError) as err:
        fetch_wine_quality(data_home=tmp_path / "home")
    msg = str(err.value)
    assert "winequality-white.csv" in msg
    assert _real.WINE.sha256["winequality-white.csv"] in msg and actual in msg
    # the good red file is not installed alone, nor any temporary file kept
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("members, match", [
    ({"winequality-red.csv": b"x"}, "no file named winequality-white.csv"),
    (None, "not a valid zip archive"),
])
def test_archive_without_the_files_is_reported(tmp_path, monkeypatch, members, match):
    archive = tmp_path / "wine.zip"
    if members is None:
        archive.write_bytes(b"<html>moved</html>")
        url = archive.as_uri()
    else:
        url = make_zip(archive, members)
    serve(monkeypatch, "WINE", url)
    with pytest.raises(OSError, match=match):
        fetch_wine_quality(data_home=tmp_path / "home")
    assert not (tmp_path / "home").exists()  # the folders it created are gone


def test_unreachable_archive_names_files_folder_and_address(tmp_path, monkeypatch):
    url = (tmp_path / "absent.zip").as_uri()
    serve(monkeypatch, "WINE", url)
    home = tmp_path / "home"
    with pytest.raises(FileNotFoundError) as err:
        fetch_wine_quality(data_home=home)
    msg = str(err.value)
    assert "winequality-red.csv" in msg and "winequality-white.csv" in msg
    assert str(home / "wine_quality") in msg and "data_home argument" in msg
    assert url in msg and "No such file or directory" in msg  # address and reason
    # how to fix it: fetch the archive by hand, or point at another folder
    assert "extract the two winequality-*.csv files" in msg and "SKTRANSFER_DATA" in msg
    assert isinstance(err.value.__cause__, DownloadError)
    assert not home.exists()  # nothing created is left


def test_no_download_when_download_if_missing_is_false(wine_zip, tmp_path, monkeypatch):
    serve(monkeypatch, "WINE", wine_zip)
    with pytest.raises(FileNotFoundError) as err:
        fetch_wine_quality(data_home=tmp_path / "home", download_if_missing=False)
    msg = str(err.value)
    assert "winequality-red.csv" in msg and "download_if_missing=True" in msg
    assert wine_zip in msg
    assert not (tmp_path / "home").exists()
    with pytest.raises(ValueError, match="download_if_missing must be True or False"):
        fetch_heart_disease(data_home=tmp_path, download_if_missing="no")


def test_research_data_sets_are_not_downloadable(tmp_path):
    for fetch, match in [(fetch_office_caltech10, "Caltech10_SURF_L10.mat.*GFK"),
                         (fetch_amazon_reviews, "books_400.mat.*mSDA")]:
        with pytest.raises(FileNotFoundError, match=match) as err:
            fetch(data_home=tmp_path)
        assert "cannot download this data set" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_a_downloadable_spec_needs_every_checksum():
    with pytest.raises(ValueError, match=r"\['b.csv'\] have none"):
        DatasetSpec(title="T", folder="t", files={"a": "a.csv", "b": "b.csv"},
                    source="", url="file:///t.zip", sha256={"a.csv": "0" * 64})
