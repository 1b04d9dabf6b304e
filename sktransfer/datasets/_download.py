"""Download of a data set's files from the zip archive of its original
distribution, with a sha256 check of every file extracted.

Only the extracted files are verified, against the sha256 of each file
embedded in the package (the ``sha256`` of each ``DatasetSpec``). The
archives' own checksums are not recorded: they were not known when the
file checksums were taken, and a host may repack an archive without
changing the data files inside it. Nothing is printed.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath

__all__ = ["DOWNLOAD_TIMEOUT", "DownloadError", "download_zip_members"]

#: Seconds without an answer from the server before a download is abandoned.
DOWNLOAD_TIMEOUT = 60
_CHUNK = 1 << 16


class DownloadError(OSError):
    """The archive could not be fetched (network, server or local I/O).

    ``url`` is the address tried and ``reason`` the original error."""

    def __init__(self, url, reason):
        super().__init__(f"could not download {url}: {reason}")
        self.url = url
        self.reason = reason


def download_zip_members(url, members, folder, *, timeout=DOWNLOAD_TIMEOUT):
    """Download the zip archive at ``url`` and install some of its files.

    Each file named in ``members`` is looked up in the archive by its base
    name (it may sit in a sub-folder there; the shallowest copy wins),
    checked against its sha256 and moved into ``folder`` with
    :func:`os.replace`, only once every requested file has passed its check.
    The archive and the extracted files are written beside their final
    place under temporary names, which are removed whatever happens;
    ``folder`` is created when missing, and the folders this call created
    are removed again, if still empty, after a failure.

    Parameters
    ----------
    url : str
        Address of the archive (any scheme :mod:`urllib` opens, ``file://``
        included).
    members : dict
        ``{file name: expected sha256 (hex)}`` of the files to install.
    folder : path-like
        Where the files go.
    timeout : float, default=DOWNLOAD_TIMEOUT
        Seconds to wait for the server at each step.

    Returns
    -------
    paths : list of pathlib.Path
        The installed files, in the order of ``members``.

    Raises
    ------
    DownloadError
        The archive could not be fetched; nothing is left behind.
    OSError
        The archive is not a valid zip file, lacks a requested file, or a
        file does not have the expected sha256 (the message names the file,
        the expected and the actual checksum); nothing is left behind.
    """
    folder = Path(folder)
    created = [p for p in (folder, *folder.parents) if not p.exists()]  # deepest first
    staged = {}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with _temporary_path(folder, ".zip.part") as archive:
            _fetch(url, archive, timeout)
            with _open_zip(archive, url, folder) as zf:
                entries = {name: _find_member(zf, name, url, folder) for name in members}
                for name, entry in entries.items():
                    staged[name] = _extract_verified(zf, entry, name, members[name],
                                                     url, folder)
        for name, tmp in staged.items():
            os.replace(tmp, folder / name)
        return [folder / name for name in members]
    except BaseException:
        for tmp in staged.values():
            _remove(tmp)
        _remove_empty_folders(created)
        raise


def _remove_empty_folders(folders):
    for path in folders:  # deepest first
        try:
            path.rmdir()
        except OSError:  # not empty, or gone: leave it and its parents
            return


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


@contextlib.contextmanager
def _temporary_path(folder, suffix, prefix=".sktransfer-"):
    """Path of a new, closed, uniquely named file of ``folder``; the file is
    removed on exit unless it has been moved away."""
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    os.close(fd)
    try:
        yield Path(path)
    finally:
        _remove(path)


def _fetch(url, destination, timeout):
    """Copy the resource at ``url`` into ``destination``."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, \
                open(destination, "wb") as out:
            shutil.copyfileobj(response, out, _CHUNK)
    except urllib.error.HTTPError as exc:  # its reason lacks the status code
        raise DownloadError(url, exc) from exc
    except urllib.error.URLError as exc:
        raise DownloadError(url, exc.reason) from exc
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # OSError includes timeouts; ValueError is an address urllib rejects
        raise DownloadError(url, exc) from exc


@contextlib.contextmanager
def _open_zip(archive, url, folder):
    try:
        with zipfile.ZipFile(archive) as zf:
            yield zf
    except zipfile.BadZipFile as exc:  # also raised for a damaged member
        raise OSError(
            f"the file downloaded from {url} is not a valid zip archive ({exc}); "
            f"download it by hand and extract the files into {folder}."
        ) from exc


def _extract_verified(zf, entry, name, expected, url, folder):
    """Write the archive entry ``entry`` of ``zf`` (the file ``name``) to a
    temporary file of ``folder`` and check its sha256; return its path."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
    try:
        with zf.open(entry) as src, os.fdopen(fd, "wb") as out:
            actual = _copy_and_hash(src, out)
        if actual != expected:
            raise OSError(
                f"{name} extracted from {url} has sha256 {actual}, expected "
                f"{expected}: the download is corrupted or the published file "
                f"has changed. Nothing was written to {folder}; try again, or "
                f"download the archive by hand and extract {name} into that folder."
            )
    except BaseException:
        _remove(tmp)
        raise
    return Path(tmp)


def _find_member(zf, name, url, folder):
    """The archive entry whose base name is ``name`` (shallowest first)."""
    matches = [
        info for info in zf.infolist()
        if not info.is_dir() and PurePosixPath(info.filename).name == name
    ]
    if not matches:
        raise OSError(
            f"the archive downloaded from {url} has no file named {name}; "
            f"download the data by hand and put {name} into {folder}."
        )
    return min(matches, key=lambda info: info.filename.count("/"))


def _copy_and_hash(src, out):
    """Copy ``src`` into ``out``; return the sha256 (hex) of what was copied."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: src.read(_CHUNK), b""):
        digest.update(chunk)
        out.write(chunk)
    return digest.hexdigest()
