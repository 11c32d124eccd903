#!/usr/bin/env python3
"""Make a mixxxdb.sqlite fixture with a REAL Mixxx scanning a generated music folder.

Steps (each is a function that tests may import and reuse):

* ``generate_music_folder(path)`` writes ~14 short sine-tone files with tags (mp3, flac, ogg,
  wav, m4a, opus) with awkward names (Unicode, NFD bytes, quotes, ``%``/``_``, subfolders),
  a git-annex-style symlink whose target exists and one whose target is absent.
* ``start_xvfb()`` / ``stop_process(proc)`` run a private X server on a display number the
  server picks itself (``-displayfd``): no guessing, so runs side by side never share one.
* ``start_mixxx(settings_dir, display, ...)`` starts Mixxx (the host's, or one inside a chroot)
  with a private HOME and XDG folders inside ``settings_dir`` (``private_env``).
* ``close_mixxx_windows(display, pid)`` asks that Mixxx process to quit the way a window
  manager's close button does (X11 ``WM_DELETE_WINDOW``, pure-stdlib X11 client, no X auth:
  we start Xvfb). Only windows whose ``_NET_WM_PID`` is ``pid`` are touched.
  Mixxx has no SIGTERM/SIGINT handler (the process just dies without its shutdown code),
  so this is its only clean exit.
* ``wait_until_running(proc, display)`` waits for startup, dismissing that Mixxx's dialogs.
* ``stop_mixxx(proc)`` closes its windows, waits, then SIGTERM, then SIGKILL.
* ``mixxx_session(settings_dir, ...)`` context manager: Xvfb + Mixxx up, then clean stop.
* ``wait_for_db(db)`` / ``wait_for_scan(db, n, timeout)`` poll the database read-only.
* ``make_fixture(...)`` runs everything and writes ``fixtures/real-mixxx-<ver>/``.

Only stdlib + typer. Nothing is installed: mixxx, Xvfb and ffmpeg must already be there
(for ``--mixxx 2.5``: ``scripts/build_mixxx25_chroot.sh`` must have built the chroot).
"""

import contextlib
import datetime as _dt
import hashlib
import os
import re
import select
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import typer

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MUSIC_DIR = Path("/tmp/mixxx-peewee-fixture-music")
DEFAULT_CHROOT = Path(os.environ.get("MIXXX25_CHROOT", "/var/cache/mixxx-peewee/trixie-mixxx"))
# Schema revision each Mixxx release creates (see shared MIXXX_FACTS.md).
SCHEMA_BY_VERSION = {"2.3": 32, "2.5": 39}
# Environment for Mixxx: UTF-8 locale so that Qt decodes non-ASCII file names correctly.
MIXXX_ENV = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


class FixtureError(RuntimeError):
    """A step failed; the message is one line meant for the user."""


# --------------------------------------------------------------------------------------
# Music folder
# --------------------------------------------------------------------------------------


@dataclass
class MusicFile:
    """One entry of the generated music folder."""

    relpath: str  # relative to the music folder, as str (NFD names keep their NFD form)
    kind: str = "file"  # "file" | "annex-link" | "broken-link"
    fmt: str = ""  # ffmpeg output format/extension used
    seconds: float = 3.0
    freq: int = 440
    tags: dict[str, str] = field(default_factory=dict)
    link_target: str = ""  # for links: the relative link text

    @property
    def expect_in_library(self) -> bool:
        """Whether Mixxx is expected to list this path in track_locations."""
        return self.kind in ("file", "annex-link")


def _nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


def _tags(artist, title, album, genre, year, track, bpm, key, comment="generated sine tone"):
    return {
        "artist": artist,
        "title": title,
        "album": album,
        "genre": genre,
        "date": str(year),
        "track": str(track),
        "bpm": str(bpm),
        "key": key,
        "comment": comment,
    }


def music_manifest() -> list[MusicFile]:
    """The files generate_music_folder() makes (paths relative to the music folder)."""
    t = _tags
    return [
        MusicFile("Björk – Jóga.mp3", fmt="mp3", seconds=3, freq=440,
                  tags=t("Björk", "Jóga", "Homogenic", "Electronic", 1997, 1, 120, "Am")),
        # The name below is written with NFD (decomposed) bytes on purpose.
        MusicFile(_nfd("Sigur Rós – Hoppípolla.flac"), fmt="flac", seconds=2, freq=494,
                  tags=t("Sigur Rós", "Hoppípolla", "Takk…", "Post-Rock", 2005, 2, 98, "C")),
        MusicFile("Track with spaces.ogg", fmt="ogg", seconds=2, freq=523,
                  tags=t("Space Band", "Track with spaces", "Gaps", "Ambient", 2001, 3, 90, "Dm")),
        MusicFile("It's a quote.wav", fmt="wav", seconds=2, freq=587,
                  tags=t("O'Brien", "It's a quote", "Apostrophes", "Folk", 1999, 4, 100, "G")),
        MusicFile('Say "Hello".mp3', fmt="mp3", seconds=2, freq=659,
                  tags=t('The "Quoted"', 'Say "Hello"', "Quotes", "Pop", 2010, 5, 124, "F#m")),
        MusicFile("100% pure_underscore.flac", fmt="flac", seconds=2, freq=698,
                  tags=t("Percent_Artist", "100% pure_underscore", "Wildcards", "Techno", 2015,
                         6, 130, "Bb")),
        MusicFile("UPPER CASE EXT.MP3", fmt="mp3", seconds=2, freq=740,
                  tags=t("Caps", "Upper case extension", "Shouting", "Rock", 1985, 7, 140, "E")),
        MusicFile("subfolder/Nested Track.ogg", fmt="ogg", seconds=3, freq=784,
                  tags=t("Nest", "Nested Track", "Folders", "House", 2020, 8, 126, "Gm")),
        MusicFile("subfolder/deeper/日本語の曲.flac", fmt="flac", seconds=2, freq=831,
                  tags=t("アーティスト", "日本語の曲", "アルバム", "J-Pop", 2018, 9, 110, "Ebm")),
        MusicFile("Ünïcödé Àlbum/01 - Ça va.m4a", fmt="m4a", seconds=3, freq=880,
                  tags=t("Françoise", "Ça va", "Ünïcödé Àlbum", "Chanson", 1962, 1, 95, "A")),
        MusicFile("Ünïcödé Àlbum/02 - Déjà vu.opus", fmt="opus", seconds=2, freq=932,
                  tags=t("Françoise", "Déjà vu", "Ünïcödé Àlbum", "Chanson", 1962, 2, 105, "Cm")),
        MusicFile("Ünïcödé Àlbum/03 - Naïve.wav", fmt="wav", seconds=4, freq=988,
                  tags=t("Françoise", "Naïve", "Ünïcödé Àlbum", "Chanson", 1962, 3, 85, "B")),
        # git-annex style: symlink -> ../.git/annex/objects/xx/yy/KEY/KEY (content present)
        MusicFile("annex/Track.flac", kind="annex-link", fmt="flac", seconds=2, freq=1047,
                  tags=t("Annex", "Annexed Track", "Annex", "Minimal", 2023, 1, 128, "Fm")),
        # annexed file whose content is absent: a broken symlink
        MusicFile("annex/Missing.mp3", kind="broken-link", fmt="mp3", seconds=2, freq=1109,
                  tags=t("Annex", "Missing content", "Annex", "Minimal", 2023, 2, 128, "Fm")),
    ]  # fmt: skip


def _ffmpeg_tag_args(fmt: str, tags: dict[str, str]) -> list[str]:
    """-metadata arguments, using the key names each container/tag format understands."""
    md: dict[str, str] = {}
    for k in ("artist", "title", "album", "genre", "date", "track", "comment"):
        md[k] = tags[k]
    if fmt == "mp3":  # ID3v2.4: ffmpeg writes 4-letter keys as frames of that name
        md["TBPM"] = tags["bpm"]
        md["TKEY"] = tags["key"]
    elif fmt in ("flac", "ogg", "opus"):  # Vorbis comments, free-form keys
        md["BPM"] = tags["bpm"]
        md["INITIALKEY"] = tags["key"]
    # m4a (mp4 atoms) and wav (RIFF INFO): ffmpeg writes no bpm/key there; keep the rest
    args: list[str] = []
    for k, v in md.items():
        args += ["-metadata", f"{k}={v}"]
    return args


_CODEC_ARGS = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-id3v2_version", "4", "-f", "mp3"],
    "flac": ["-c:a", "flac", "-f", "flac"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "0", "-f", "ogg"],
    "opus": ["-c:a", "libopus", "-b:a", "32k", "-f", "opus"],
    "m4a": ["-c:a", "aac", "-b:a", "64k", "-f", "ipod"],
    "wav": ["-c:a", "pcm_s16le", "-f", "wav"],
}


def render_audio(out: Path, fmt: str, seconds: float, freq: int, tags: dict[str, str],
                 ffmpeg: str = "ffmpeg") -> None:  # fmt: skip
    """Write a stereo 44.1 kHz sine tone with tags to ``out`` using ffmpeg."""
    cmd = [
        ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"sine=frequency={freq}:sample_rate=44100:duration={seconds}",
        "-ac", "2", *_ffmpeg_tag_args(fmt, tags), *_CODEC_ARGS[fmt], os.fsencode(out),
    ]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise FixtureError(f"ffmpeg failed for {out}: {res.stderr.strip().splitlines()[-1:]}")


def _annex_key(data: bytes, ext: str) -> tuple[str, str]:
    """git-annex SHA256E key and its two hash dirs (hashDirLower-like layout)."""
    key = f"SHA256E-s{len(data)}--{hashlib.sha256(data).hexdigest()}{ext}"
    md5 = hashlib.md5(key.encode()).hexdigest()
    return key, f"{md5[0:3]}/{md5[3:6]}"


def _rmtree(path: Path) -> None:
    """rmtree that also removes write-protected folders (annex objects) as non-root."""
    for dirpath, _dirs, _files in os.walk(path):
        with contextlib.suppress(OSError):
            os.chmod(dirpath, 0o755)
    shutil.rmtree(path)


def generate_music_folder(path: Path | str, ffmpeg: str = "ffmpeg") -> list[MusicFile]:
    """(Re)create the music folder at ``path``; return the manifest of what is in it.

    Everything is generated (sine tones): no real music. Paths are written as bytes so
    that the NFD name really is stored in decomposed form on disk.
    """
    path = Path(path)
    if path.exists() or path.is_symlink():
        _rmtree(path)
    path.mkdir(parents=True)
    manifest = music_manifest()
    tmp = path / ".git" / "tmp-render"
    tmp.mkdir(parents=True)
    for mf in manifest:
        dest = path / mf.relpath
        dest.parent.mkdir(parents=True, exist_ok=True)
        if mf.kind == "file":
            render_audio(dest, mf.fmt, mf.seconds, mf.freq, mf.tags, ffmpeg)
            continue
        ext = "." + mf.fmt
        rendered = tmp / ("render" + ext)
        render_audio(rendered, mf.fmt, mf.seconds, mf.freq, mf.tags, ffmpeg)
        data = rendered.read_bytes()
        key, hashdirs = _annex_key(data, ext)
        obj_rel = f".git/annex/objects/{hashdirs}/{key}/{key}"
        up = "../" * (mf.relpath.count("/"))
        mf.link_target = up + obj_rel
        if mf.kind == "annex-link":
            obj = path / obj_rel
            obj.parent.mkdir(parents=True, exist_ok=True)
            rendered.replace(obj)
            obj.chmod(0o444)
            obj.parent.chmod(0o555)  # git-annex write-protects content and its dir
        else:
            rendered.unlink()
        os.symlink(mf.link_target, os.fsencode(dest))
    shutil.rmtree(tmp)
    return manifest


# --------------------------------------------------------------------------------------
# A tiny X11 client (stdlib only) to close Mixxx's windows like a window manager does
# --------------------------------------------------------------------------------------


class _X11:
    def __init__(self, display: int):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.sock.connect(f"/tmp/.X11-unix/X{display}")
        # little-endian, protocol 11.0, no authorisation (we start Xvfb ourselves)
        self.sock.sendall(struct.pack("<BxHHHHxx", 0x6C, 11, 0, 0, 0))
        head = self._recv(8)
        status, _, _, _, extra = struct.unpack("<BBHHH", head)
        body = self._recv(extra * 4)
        if status != 1:
            raise FixtureError(f"X server :{display} refused the connection")
        vendor_len = struct.unpack_from("<H", body, 16)[0]
        nformats = body[21]
        self.min_keycode, self.max_keycode = body[26], body[27]
        off = 32 + ((vendor_len + 3) & ~3) + 8 * nformats
        self.root = struct.unpack_from("<I", body, off)[0]
        # the first screen's width and height in pixels (tells one X server from another)
        self.screen_size: tuple[int, int] = struct.unpack_from("<HH", body, off + 20)
        self._atoms: dict[str, int] = {}

    def _recv(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("X server closed the connection")
            buf += chunk
        return buf

    def _reply(self) -> bytes | None:
        while True:
            head = self._recv(32)
            if head[0] == 1:  # reply
                extra = struct.unpack_from("<I", head, 4)[0]
                return head + self._recv(extra * 4)
            if head[0] == 0:  # error (e.g. window vanished)
                return None
            # an event: ignore

    def close(self) -> None:
        self.sock.close()

    def atom(self, name: str) -> int:
        if name not in self._atoms:
            b = name.encode()
            pad = b + b"\0" * ((4 - len(b) % 4) % 4)
            self.sock.sendall(struct.pack("<BBHHxx", 16, 0, 2 + len(pad) // 4, len(b)) + pad)
            rep = self._reply()
            self._atoms[name] = struct.unpack_from("<I", rep, 8)[0] if rep else 0
        return self._atoms[name]

    def children(self, window: int) -> list[int]:
        self.sock.sendall(struct.pack("<BxHI", 15, 2, window))
        rep = self._reply()
        if rep is None:
            return []
        n = struct.unpack_from("<H", rep, 16)[0]
        return list(struct.unpack_from(f"<{n}I", rep, 32))

    def get_property(self, window: int, name: str) -> bytes:
        self.sock.sendall(struct.pack("<BBHIIIII", 20, 0, 6, window, self.atom(name), 0, 0, 1024))
        rep = self._reply()
        if rep is None:
            return b""
        fmt = rep[1]
        n = struct.unpack_from("<I", rep, 16)[0]
        return rep[32 : 32 + n * (fmt // 8)]

    def sync(self) -> None:
        """GetInputFocus as a round trip, so that earlier requests have been processed."""
        self.sock.sendall(struct.pack("<BxH", 43, 1))
        self._reply()

    def keycode(self, keysym: int) -> int:
        """Keycode that produces ``keysym`` (GetKeyboardMapping over the whole range)."""
        self.sock.sendall(struct.pack("<BxHBBxx", 101, 2, self.min_keycode,
                                      self.max_keycode - self.min_keycode + 1))  # fmt: skip
        rep = self._reply()
        per = rep[1]
        n = struct.unpack_from("<I", rep, 4)[0]
        syms = struct.unpack_from(f"<{n}I", rep, 32)
        for i, sym in enumerate(syms):
            if sym == keysym:
                return self.min_keycode + i // per
        raise FixtureError(f"no keycode for keysym {keysym:#x}")

    def press_key(self, window: int, keysym: int) -> None:
        """Focus ``window`` and press+release a key with the XTEST extension."""
        name = b"XTEST"
        self.sock.sendall(struct.pack("<BxHHxx", 98, 2 + 2, len(name)) + name + b"\0\0\0")
        rep = self._reply()
        if not rep or not rep[8]:
            raise FixtureError("X server has no XTEST extension")
        opcode = rep[9]
        code = self.keycode(keysym)
        self.sock.sendall(struct.pack("<BBHII", 42, 1, 3, window, 0))  # SetInputFocus
        self.sync()
        for ev_type in (2, 3):  # KeyPress, KeyRelease
            req = struct.pack(
                "<BBHBBxxII8xhh7xB", opcode, 2, 9, ev_type, code, 0, self.root, 0, 0, 0
            )
            self.sock.sendall(req)
        self.sync()

    def window_pid(self, window: int) -> int | None:
        """The ``_NET_WM_PID`` of ``window`` (Qt sets it on every window), None if unset."""
        value = self.get_property(window, "_NET_WM_PID")
        return struct.unpack("<I", value[:4])[0] if len(value) >= 4 else None

    def is_viewable(self, window: int) -> bool:
        """GetWindowAttributes: map-state is Viewable (the window is really shown)."""
        self.sock.sendall(struct.pack("<BxHI", 3, 2, window))
        rep = self._reply()
        return bool(rep) and rep[26] == 2

    def send_delete(self, window: int) -> None:
        data = struct.pack("<II12x", self.atom("WM_DELETE_WINDOW"), 0)
        event = struct.pack("<BBHII", 33, 32, 0, window, self.atom("WM_PROTOCOLS")) + data
        self.sock.sendall(struct.pack("<BBHII", 25, 0, 11, window, 0) + event)
        self.sync()


def list_mixxx_windows(display: int, pid: int | None = None) -> list[tuple[int, str]]:
    """Shown top-level windows whose WM_CLASS says mixxx and that accept
    WM_DELETE_WINDOW, as (id, WM_NAME), bottom to top of the stacking order; with ``pid``,
    only the windows of that process (``_NET_WM_PID``): another Mixxx's stay untouched."""
    x = _X11(display)
    try:
        out = []
        for w in x.children(x.root):
            wm_class = x.get_property(w, "WM_CLASS").split(b"\0")
            if not any(c.lower() == b"mixxx" for c in wm_class):
                continue
            if pid is not None and x.window_pid(w) != pid:
                continue
            protocols = x.get_property(w, "WM_PROTOCOLS")
            n = len(protocols) // 4
            if x.atom("WM_DELETE_WINDOW") not in struct.unpack(f"<{n}I", protocols[: 4 * n]):
                continue  # Qt's helper windows do not take WM_DELETE_WINDOW
            if not x.is_viewable(w):
                continue  # Qt keeps hidden (withdrawn) windows around
            name = x.get_property(w, "WM_NAME").decode("utf-8", "replace")
            out.append((w, name))
        return out
    finally:
        x.close()


XK_RETURN = 0xFF0D
# Message boxes that ignore WM_DELETE_WINDOW (no Escape button). Return presses their
# focused first button: "Continue" (the others are "Reconfigure" and "Exit"; Exit calls
# exit(0), skipping Mixxx's shutdown).
RETURN_DIALOGS = {"No Output Devices"}


def is_main_window(name: str) -> bool:
    """Mixxx's main window title: "Mixxx", "Mixxx 2.x.y" or "<track> | Mixxx"."""
    return name == "Mixxx" or name.startswith("Mixxx ") or name.endswith("| Mixxx")


def dismiss_dialogs(display: int, pid: int | None = None) -> list[str]:
    """Dismiss every shown dialog of Mixxx (of process ``pid`` if given); return their titles.

    "Choose music library directory" (first run) is closed with WM_DELETE_WINDOW, which
    cancels it; "No Output Devices" (no sound card here) gets Return = "Continue";
    anything else gets WM_DELETE_WINDOW.
    """
    dialogs = [(w, n) for w, n in list_mixxx_windows(display, pid) if not is_main_window(n)]
    if not dialogs:
        return []
    x = _X11(display)
    try:
        for w, name in reversed(dialogs):  # topmost (newest) first
            if name in RETURN_DIALOGS:
                x.press_key(w, XK_RETURN)
            else:
                x.send_delete(w)
    finally:
        x.close()
    return [n for _w, n in reversed(dialogs)]


def close_mixxx_windows(display: int, pid: int | None = None) -> list[str]:
    """Dismiss dialogs; if there were none, send WM_DELETE_WINDOW to the main window(s),
    which makes Mixxx run its normal shutdown. Returns the titles acted on. With ``pid``,
    only that process's windows.

    Do not call this before Mixxx is up (``wait_until_running``): a main window closed
    while Mixxx is still initialising (between its first-run dialogs) leaves a Mixxx
    that neither runs nor quits (2.5) or quits without its shutdown.
    """
    done = dismiss_dialogs(display, pid)
    if done:
        return done
    mains = [(w, n) for w, n in list_mixxx_windows(display, pid) if is_main_window(n)]
    x = _X11(display)
    try:
        for w, _name in mains:
            x.send_delete(w)
    finally:
        x.close()
    return [n for _w, n in mains]


# --------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------


def require_tools(*tools: str) -> None:
    """Exit with a one-line error when a required program is missing."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise FixtureError(
            f"missing program(s): {', '.join(missing)} "
            "(apt-get install -y mixxx xvfb ffmpeg); this script installs nothing"
        )


def start_xvfb(display: int | None = None, timeout: float = 30.0) -> tuple[subprocess.Popen, int]:
    """Start a private Xvfb; return (process, display number) once it accepts clients.

    Without ``display`` the server picks the number itself (``-displayfd``): it takes the
    first display whose sockets it can bind, so two runs started at once, or an X server
    whose socket file we cannot see (another mount namespace: its abstract socket is still
    taken), never end up sharing one; guessing a number from /tmp/.X11-unix did. Raises
    FixtureError, with Xvfb's last message, when it does not come up within ``timeout`` s.
    """
    read_end, write_end = os.pipe()
    where = [f":{display}"] if display is not None else []
    cmd = ["Xvfb", *where, "-displayfd", str(write_end), "-screen", "0", "1280x1024x24",
           "-nolisten", "tcp"]  # fmt: skip
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                cmd, stdout=subprocess.DEVNULL, stderr=err, pass_fds=(write_end,)
            )
        finally:
            os.close(write_end)
        try:
            number = _read_display_number(read_end, timeout)
        finally:
            os.close(read_end)
        if number is not None and proc.poll() is None:
            return proc, number
        how = stop_process(proc)
        err.seek(0)
        said = err.read().decode("utf-8", "replace").strip().splitlines()[-1:]
    why = f"exited with {proc.returncode}" if how == "exited" else f"not up within {timeout} s"
    raise FixtureError(f"Xvfb {' '.join(where)}{' ' if where else ''}{why}: {said}")


def _read_display_number(fd: int, timeout: float) -> int | None:
    """The display number Xvfb writes to its -displayfd once it is ready; None on EOF (it
    exited) or timeout."""
    deadline = time.monotonic() + timeout
    data = b""
    while not data.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return None
        chunk = os.read(fd, 64)
        if not chunk:
            return None
        data += chunk
    return int(data)


def stop_process(proc: subprocess.Popen, timeout: float = 5.0) -> str:
    """SIGTERM, wait, SIGKILL. Returns 'exited', 'terminated' or 'killed'."""
    if proc.poll() is not None:
        return "exited"
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
        return "terminated"
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return "killed"


def mixxx_command(
    settings_dir: Path | str, chroot: Path | None = None, *, mixxx: str = "2.3"
) -> list[str]:
    """The command line that runs Mixxx ``mixxx`` ("2.3" or "2.5"; inside ``chroot`` if
    given). 2.4+ spells its options ``--settings-path``/``--log-level``."""
    settings = str(settings_dir).rstrip("/") + "/"
    if mixxx == "2.3":
        args = ["mixxx", "--settingsPath", settings, "--logLevel", "debug"]
        args += ["--logFlushLevel", "debug"]
    else:
        args = ["mixxx", "--settings-path", settings, "--log-level", "debug"]
        args += ["--log-flush-level", "debug"]
    if chroot is not None:
        # HOME and the XDG folders come from the caller's environment (private_env): the
        # settings folder they live in is bind-mounted at the same path
        env = [f"{k}={v}" for k, v in MIXXX_ENV.items()]
        return ["chroot", str(chroot), "env", *env, *args]
    return args


PRIVATE_HOME = "private-home"
# Variables through which Mixxx (Qt, D-Bus, the session manager) would reach the desktop
# session of whoever started the tests, or another X server: a private Mixxx gets none.
SHARED_SESSION_VARS = ("XAUTHORITY", "DBUS_SESSION_BUS_ADDRESS", "SESSION_MANAGER",
                       "WAYLAND_DISPLAY", "XDG_SESSION_TYPE")  # fmt: skip


def private_env(settings_dir: Path | str) -> dict[str, str]:
    """HOME and XDG folders for one Mixxx, in ``settings_dir/private-home`` (made here): what
    Mixxx, Qt or fontconfig keep outside ``--settingsPath`` is then no other Mixxx's."""
    home = Path(settings_dir) / PRIVATE_HOME
    dirs = {
        "HOME": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_RUNTIME_DIR": home / "runtime",
    }
    for folder in dirs.values():
        folder.mkdir(parents=True, exist_ok=True)
    dirs["XDG_RUNTIME_DIR"].chmod(0o700)  # Qt refuses a runtime folder others can read
    return {name: str(folder) for name, folder in dirs.items()}


def start_mixxx(
    settings_dir: Path | str,
    display: int | None,
    *,
    mixxx: str = "2.3",
    chroot: Path | None = None,
    log_file: Path | None = None,
    files: tuple[Path, ...] = (),
) -> subprocess.Popen:
    """Start Mixxx on X display ``display`` with ``--settingsPath settings_dir/`` and a
    private HOME and XDG folders (``private_env``); ``files`` load into its decks.

    ``display=None`` runs it with ``QT_QPA_PLATFORM=offscreen`` (no X server; but then
    nothing can close it cleanly). stdout/stderr (ALSA/JACK noise) go to ``log_file``
    (default settings_dir/stdout.log). With ``chroot``, the settings and music folders
    (and /tmp/.X11-unix) must be bind-mounted into it: see ``chroot_mounts``. The process
    is Mixxx itself (chroot and env exec it): ``proc.pid`` is the pid of its windows.
    """
    settings_dir = Path(settings_dir)
    settings_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, **MIXXX_ENV, **private_env(settings_dir))
    for name in SHARED_SESSION_VARS:
        env.pop(name, None)
    if display is None:
        env.pop("DISPLAY", None)
        env["QT_QPA_PLATFORM"] = "offscreen"
    else:
        env["DISPLAY"] = f":{display}"
        env["QT_QPA_PLATFORM"] = "xcb"
    out = open(log_file or settings_dir / "stdout.log", "ab")  # noqa: SIM115
    try:
        started = time.time()
        proc = subprocess.Popen(
            [*mixxx_command(settings_dir, chroot, mixxx=mixxx), *map(str, files)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        out.close()
    proc.mixxx_started_at = started  # type: ignore[attr-defined]
    proc.mixxx_display = display  # type: ignore[attr-defined]
    proc.mixxx_settings_dir = settings_dir  # type: ignore[attr-defined]
    return proc


def _current_log(proc: subprocess.Popen) -> str:
    """Text of this run's mixxx.log ('' while Mixxx has not yet rotated the old one)."""
    log = Path(proc.mixxx_settings_dir) / "mixxx.log"  # type: ignore[attr-defined]
    try:
        if log.stat().st_mtime < proc.mixxx_started_at - 1:  # type: ignore[attr-defined]
            return ""  # still the previous run's log
        return log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


# Both Mixxx 2.3 and 2.5 log these during startup. 2.3 logs "Running Mixxx" last, right
# before its event loop; 2.5 logs it early and only then loads the skin, opens the sound
# devices and shows its dialogs.
STARTUP_MARKERS = ("Running Mixxx", "output sound devices opened")


def wait_until_running(
    proc: subprocess.Popen, display: int | None, timeout: float = 180.0, quiet: float = 4.0
) -> tuple[float, list[str]]:
    """Wait until Mixxx ``proc`` is up: its own log has all STARTUP_MARKERS and then none of
    its dialogs has shown for ``quiet`` s. Its startup dialogs are dismissed meanwhile
    (``dismiss_dialogs``; another Mixxx's windows on the display are left alone).
    Returns (seconds, titles of the dialogs dismissed)."""
    t0 = time.monotonic()
    seen: list[str] = []
    last_dialog = t0
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise FixtureError(f"Mixxx exited with {proc.returncode} during startup")
        if display is not None:
            with contextlib.suppress(OSError, ConnectionError):
                dismissed = dismiss_dialogs(display, proc.pid)
                if dismissed:
                    seen += [d for d in dismissed if d not in seen]
                    last_dialog = time.monotonic()
        log = _current_log(proc)
        if all(m in log for m in STARTUP_MARKERS) and time.monotonic() - last_dialog >= quiet:
            return time.monotonic() - t0, seen
        time.sleep(0.5)
    raise FixtureError(f"Mixxx did not finish starting within {timeout} s (dialogs: {seen})")


def stop_mixxx(proc: subprocess.Popen, display: int | None = None, timeout: float = 60.0) -> str:
    """Make Mixxx exit; return how: 'clean' (its shutdown ran and logged "Mixxx shutdown
    complete with code 0"), 'exited N', 'terminated' or 'killed'.

    Call after ``wait_until_running``. Closes Mixxx's windows via X11 (its only clean
    exit), retrying every second, for up to ``timeout`` s; then SIGTERM (which kills Mixxx
    without its shutdown: it has no handler), then SIGKILL. ``display`` defaults to the
    one ``start_mixxx`` was given.
    """
    if display is None:
        display = getattr(proc, "mixxx_display", None)

    def result() -> str:
        if proc.returncode == 0 and "shutdown complete with code 0" in _current_log(proc):
            return "clean"
        return f"exited {proc.returncode}"

    if proc.poll() is not None:
        return result()
    if display is not None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ConnectionError):
                close_mixxx_windows(display, proc.pid)
            try:
                proc.wait(1.0)
                return result()
            except subprocess.TimeoutExpired:
                pass
    return stop_process(proc, timeout=10.0)


@contextlib.contextmanager
def mixxx_session(
    settings_dir: Path | str,
    *,
    mixxx: str = "2.3",
    chroot: Path | None = None,
    bind_paths: tuple[Path, ...] = (),
    offscreen: bool = False,
):
    """Run one Mixxx (with its own Xvfb unless ``offscreen``) on ``settings_dir``; yield
    the Popen once Mixxx is up; on exit stop Mixxx cleanly, Xvfb, and unmount.

    For ``chroot``, ``settings_dir`` and ``bind_paths`` (e.g. the music folder) are
    bind-mounted into it at the same paths. ``proc.mixxx_display`` is the display.
    """
    settings_dir = Path(settings_dir)
    settings_dir.mkdir(parents=True, exist_ok=True)
    mounts = (
        chroot_mounts(chroot, [settings_dir, *bind_paths]) if chroot else contextlib.nullcontext()
    )
    xvfb, display = (None, None) if offscreen else start_xvfb()
    try:
        with mounts:
            proc = start_mixxx(settings_dir, display, mixxx=mixxx, chroot=chroot)
            try:
                if display is not None:
                    wait_until_running(proc, display)
                else:
                    wait_for_db(
                        settings_dir / "mixxxdb.sqlite", SCHEMA_BY_VERSION[mixxx], proc=proc
                    )
                    time.sleep(5)
                yield proc
            finally:
                proc.mixxx_stop = stop_mixxx(proc, display)  # type: ignore[attr-defined]
    finally:
        if xvfb is not None:
            stop_process(xvfb)


# --------------------------------------------------------------------------------------
# Database helpers
# --------------------------------------------------------------------------------------


def _ro(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.5)


def schema_version(db: Path | str) -> int | None:
    """mixxx.schema.version of ``db`` or None if not (yet) there."""
    try:
        con = _ro(Path(db))
        try:
            row = con.execute(
                "SELECT value FROM settings WHERE name = 'mixxx.schema.version'"
            ).fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return int(row[0]) if row else None


def wait_for_db(db: Path | str, version: int, timeout: float = 60.0, proc=None) -> float:
    """Wait until ``db`` reports schema ``version``; return the seconds it took."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if schema_version(db) == version:
            return time.monotonic() - t0
        if proc is not None and proc.poll() is not None:
            raise FixtureError(f"Mixxx exited with {proc.returncode} before creating {db}")
        time.sleep(0.25)
    raise FixtureError(f"{db} did not reach schema version {version} within {timeout} s")


def count_tracks(db: Path | str) -> int:
    """Committed tracks: library rows with their location (0 if unreadable right now).

    Not track_locations alone: the scanner commits those first, and the library rows that
    a listing joins to them can follow a moment later (a race seen with Mixxx 2.5).
    """
    try:
        con = _ro(Path(db))
        try:
            return con.execute(
                "SELECT COUNT(*) FROM library JOIN track_locations"
                " ON library.location = track_locations.id"
            ).fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def wait_for_scan(
    db: Path | str, n: int, timeout: float = 120.0, settle: float = 3.0, proc=None
) -> tuple[int, float]:
    """Wait until ``db`` has >= ``n`` track_locations rows and the count stays put for
    ``settle`` s (the scanner commits once at the end). Returns (count, seconds waited);
    on timeout returns what it has (check the count)."""
    t0 = time.monotonic()
    last, since = -1, time.monotonic()
    while time.monotonic() - t0 < timeout:
        c = count_tracks(db)
        if c != last:
            last, since = c, time.monotonic()
        if c >= n and time.monotonic() - since >= settle:
            return c, time.monotonic() - t0
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.25)
    return last, time.monotonic() - t0


def add_library_directory(db: Path | str, directory: Path | str) -> None:
    """Insert a music root into ``directories`` (what Mixxx's Add-folder button does)."""
    con = sqlite3.connect(str(db), timeout=10)
    try:
        with con:
            con.execute(
                "INSERT OR IGNORE INTO directories (directory) VALUES (?)", (str(directory),)
            )
    finally:
        con.close()


def set_cfg_value(cfg: Path | str, group: str, key: str, value: str) -> None:
    """Set ``[group] key value`` in a Mixxx .cfg file, keeping everything else."""
    cfg = Path(cfg)
    lines = cfg.read_text(encoding="utf-8").splitlines() if cfg.exists() else []
    header = f"[{group}]"
    out: list[str] = []
    in_group = found_group = done = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            if in_group and not done:
                out.append(f"{key} {value}")
                done = True
            in_group = stripped == header
            found_group = found_group or in_group
        elif in_group and not done and stripped.split(" ", 1)[0] == key:
            out.append(f"{key} {value}")
            done = True
            continue
        out.append(line)
    if not done:  # the group is missing, or it is the last one and lacks the key
        if not found_group:
            if out and out[-1].strip():
                out.append("")
            out.append(header)
        out.append(f"{key} {value}")
    cfg.write_text("\n".join(out) + "\n", encoding="utf-8")


def backup_db(src: Path | str, dest: Path | str) -> None:
    """Copy a SQLite database with the backup API (consistent even in WAL mode)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        dest.unlink()
    s = _ro(Path(src))
    d = sqlite3.connect(str(dest))
    try:
        s.backup(d)
    finally:
        d.close()
        s.close()


_SQL_ERR = re.compile(r"(sql|query|database|sqlite).*(error|fail)|(error|fail).*(sql|query)", re.I)


# Log lines that match _SQL_ERR but are normal: on a brand-new file Mixxx reads its schema
# version before the settings table exists.
_BENIGN = ("Debug [Main]: Mixxx ", "SettingsDAO - Failed to prepare query: Returning default value")


def sql_errors_in_log(settings_dir: Path | str) -> list[str]:
    """Lines of the mixxx.log files (Mixxx rotates them: mixxx.log, mixxx.log.1, ...) in
    ``settings_dir`` that look like SQL/database errors, prefixed with the file name."""
    out = []
    for p in sorted(Path(settings_dir).glob("mixxx.log*")):
        for ln in p.read_text(encoding="utf-8", errors="replace").splitlines():
            if _SQL_ERR.search(ln) and not any(b in ln for b in _BENIGN):
                out.append(f"{p.name}: {ln}")
    return out


def db_summary(db: Path | str) -> dict[str, object]:
    """Schema version and row counts of the interesting tables."""
    con = _ro(Path(db))
    try:
        tables = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")
        ]
        counts = {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        settings = dict(con.execute("SELECT name, value FROM settings"))
        playlists = con.execute("SELECT id, name, hidden, locked FROM Playlists").fetchall()
        jm = con.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        con.close()
    return {"counts": counts, "settings": settings, "playlists": playlists, "journal_mode": jm}


# --------------------------------------------------------------------------------------
# chroot (Mixxx 2.5)
# --------------------------------------------------------------------------------------


@contextlib.contextmanager
def chroot_mounts(chroot: Path, paths: list[Path]):
    """Bind-mount /proc, /dev, /tmp/.X11-unix and ``paths`` into ``chroot`` at the same
    paths; unmount them all afterwards."""
    mounted: list[Path] = []
    try:
        for src in [Path("/proc"), Path("/dev"), Path("/tmp/.X11-unix"), *paths]:
            if not src.exists():
                continue
            target = chroot / str(src).lstrip("/")
            target.mkdir(parents=True, exist_ok=True)
            subprocess.run(["mount", "--bind", str(src), str(target)], check=True)
            mounted.append(target)
        yield
    finally:
        for target in reversed(mounted):
            r = subprocess.run(["umount", str(target)], capture_output=True)
            if r.returncode != 0:
                subprocess.run(["umount", "-l", str(target)], capture_output=True)


def mixxx_version(chroot: Path | None = None) -> str:
    """Installed Mixxx package version (Debian), e.g. '2.3.3~dfsg-2+b2'."""
    cmd = ["dpkg-query", "-W", "-f=${Version}", "mixxx"]
    if chroot is not None:
        cmd = ["chroot", str(chroot), *cmd]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r.stdout.strip() or "unknown"


# --------------------------------------------------------------------------------------
# Whole run
# --------------------------------------------------------------------------------------


def _log(msg: str) -> None:
    print(f"[{_dt.datetime.now():%H:%M:%S}] {msg}", flush=True)


RUNNING_DB_NAME = "mixxxdb-while-running.sqlite"


def make_fixture(
    music_dir: Path,
    settings_dir: Path,
    out_dir: Path,
    *,
    mixxx: str = "2.3",
    chroot: Path | None = None,
    timeout: float = 120.0,
    offscreen: bool = False,
) -> dict[str, object]:
    """Generate music, run Mixxx twice (create DB; scan), back up the DB into ``out_dir``."""
    version = SCHEMA_BY_VERSION[mixxx]
    info: dict[str, object] = {"timings": {}}
    timings: dict[str, float] = info["timings"]  # type: ignore[assignment]
    manifest = generate_music_folder(music_dir)
    expected = sum(mf.expect_in_library for mf in manifest)
    _log(f"music folder {music_dir}: {len(manifest)} entries, {expected} expected tracks")
    if settings_dir.exists():
        shutil.rmtree(settings_dir)
    settings_dir.mkdir(parents=True)
    db = settings_dir / "mixxxdb.sqlite"
    cfg = settings_dir / "mixxx.cfg"

    mounts = (
        chroot_mounts(chroot, [music_dir, settings_dir]) if chroot else contextlib.nullcontext()
    )
    xvfb: subprocess.Popen | None = None
    display: int | None = None
    if not offscreen:
        xvfb, display = start_xvfb()
    try:
        with mounts:
            # 1st run: Mixxx creates the database (first-run dialogs are dismissed)
            t0 = time.monotonic()
            proc = start_mixxx(settings_dir, display, mixxx=mixxx, chroot=chroot)
            timings["first_db_ready_s"] = round(wait_for_db(db, version, proc=proc), 1)
            if display is not None:
                up, dialogs = wait_until_running(proc, display)
                timings["first_running_s"] = round(up, 1)
                info["first_dialogs"] = dialogs
            else:
                time.sleep(10)  # offscreen: nothing to wait on but time
            t1 = time.monotonic()
            info["first_stop"] = stop_mixxx(proc, display)
            timings["first_stop_s"] = round(time.monotonic() - t1, 1)
            timings["first_run_total_s"] = round(time.monotonic() - t0, 1)
            _log(f"first run: stop={info['first_stop']} {timings}")

            add_library_directory(db, music_dir)
            set_cfg_value(cfg, "Library", "RescanOnStartup", "1")

            # 2nd run: Mixxx scans the folder at startup
            proc = start_mixxx(settings_dir, display, mixxx=mixxx, chroot=chroot)
            if display is not None:
                up, dialogs = wait_until_running(proc, display)
                timings["second_running_s"] = round(up, 1)
                info["second_dialogs"] = dialogs
            n, waited = wait_for_scan(db, expected, timeout=timeout, proc=proc)
            timings["second_scan_done_s"] = round(waited + timings.get("second_running_s", 0), 1)
            info["tracks"] = n
            if n < expected:
                _log(f"WARNING: only {n} of {expected} expected tracks after {waited:.0f} s")
            # What a live Mixxx has in its file (session history playlist, 2.5's
            # historyPlaceholder): its clean shutdown removes those again.
            out_dir.mkdir(parents=True, exist_ok=True)
            backup_db(db, out_dir / RUNNING_DB_NAME)
            t1 = time.monotonic()
            info["second_stop"] = stop_mixxx(proc, display)
            timings["second_stop_s"] = round(time.monotonic() - t1, 1)
            _log(f"second run: {n} tracks, stop={info['second_stop']} {timings}")
    finally:
        if xvfb is not None:
            stop_process(xvfb)

    out_dir.mkdir(parents=True, exist_ok=True)
    backup_db(db, out_dir / "mixxxdb.sqlite")
    info["sql_errors"] = sql_errors_in_log(settings_dir)
    info["summary"] = db_summary(out_dir / "mixxxdb.sqlite")
    info["running_summary"] = db_summary(out_dir / RUNNING_DB_NAME)
    info["manifest"] = manifest
    info["expected"] = expected
    info["mixxx_version"] = mixxx_version(chroot)
    info["offscreen"] = offscreen
    write_readme(out_dir, music_dir, settings_dir, mixxx, chroot, info)
    return info


def _playlists_md(summary: dict) -> str:
    rows = summary["playlists"]
    return "\n".join(f"- id {i}: `{n}` hidden={h} locked={lk}" for i, n, h, lk in rows) or "- none"


def write_readme(out_dir, music_dir, settings_dir, mixxx, chroot, info) -> None:
    """Write ``out_dir/README.md``: how the fixture was made and what is in it."""
    summary = info["summary"]
    counts = summary["counts"]
    running = info["running_summary"]
    cmd = f"python scripts/make_real_mixxx_fixture.py --mixxx {mixxx}"
    if info.get("offscreen"):
        cmd += " --offscreen"
    files = []
    for mf in info["manifest"]:
        nfd = " (NFD bytes)" if mf.relpath != unicodedata.normalize("NFC", mf.relpath) else ""
        link = f" -> `{mf.link_target}`" if mf.link_target else ""
        files.append(f"- `{mf.relpath}`{nfd} [{mf.kind}, {mf.fmt}, {mf.seconds:g} s]{link}")
    interesting = [
        "track_locations", "library", "directories", "LibraryHashes", "Playlists",
        "PlaylistTracks", "crates", "crate_tracks", "cues", "track_analysis", "settings",
    ]  # fmt: skip
    rows = "\n".join(
        f"| {t} | {counts[t]} | {running['counts'].get(t, '')} |"
        for t in interesting
        if t in counts
    )
    settings = "\n".join(
        f"- `{k}` = `{v}`" for k, v in summary["settings"].items() if "header_state" not in k
    )
    errors = "\n".join(f"    {e}" for e in info["sql_errors"]) or "    (none)"
    where = f"inside the Debian trixie chroot `{chroot}`, " if chroot else ""
    opt = "--settingsPath" if mixxx == "2.3" else "--settings-path"
    dialogs = sorted(set(info.get("first_dialogs", []) + info.get("second_dialogs", [])))
    dialogs_md = ", ".join(f'"{d}"' for d in dialogs) or "none"
    has_ph = any(n == "historyPlaceholder" for _i, n, _h, _lk in running["playlists"])
    placeholder = " and `historyPlaceholder` (hidden=-1, locked=1)" if has_ph else ""
    placeholder_gone = " and the placeholder" if has_ph else ""
    text = f"""# Fixture made by a real Mixxx {info["mixxx_version"]}

`mixxxdb.sqlite` here was created and filled by the real Mixxx (Debian package
`mixxx {info["mixxx_version"]}`) running {where}headless
({"QT_QPA_PLATFORM=offscreen" if info.get("offscreen") else "under Xvfb"}).
Do not edit it by hand; regenerate it (as root) with

    {cmd}

What the script did:

1. generated the music folder `{music_dir}`
   (sine tones made by ffmpeg, with tags; no real music), listed below;
2. started `mixxx {opt} {settings_dir}/` once so that it created `mixxxdb.sqlite`,
   dismissed its dialogs ({dialogs_md}; "No Output Devices" gets Return, i.e.
   "Continue"), then made it quit normally by sending X11 `WM_DELETE_WINDOW` to its main
   window (SIGTERM would kill it without running its shutdown code).
   Stop: {info["first_stop"]};
3. inserted `{music_dir}` into `directories` and set
   `[Library] RescanOnStartup 1` in `mixxx.cfg`;
4. started Mixxx again, waited until the scan had committed {info["tracks"]} rows to
   `track_locations` ({info["expected"]} expected), copied the live database to
   `{RUNNING_DB_NAME}` (SQLite backup API), then closed Mixxx the same way.
   Stop: {info["second_stop"]};
5. copied the final database to `mixxxdb.sqlite` with SQLite's backup API.

`{RUNNING_DB_NAME}` shows what the file holds while Mixxx runs: the session's history
playlist (hidden=2){placeholder}.
Mixxx's clean shutdown deletes empty history playlists{placeholder_gone};
a Mixxx that was killed leaves them in the file.

Paths in the database are the absolute paths of that music folder: tests that need the
files must regenerate the folder at the same path (`generate_music_folder()` in
`scripts/make_real_mixxx_fixture.py`).

## Database

- schema `mixxx.schema.version` = {summary["settings"].get("mixxx.schema.version")},
  journal_mode = {summary["journal_mode"]}
- timings (s): {info["timings"]}

| table | rows in mixxxdb.sqlite | rows while running |
| --- | --- | --- |
{rows}

Playlists in `mixxxdb.sqlite`:
{_playlists_md(summary)}

Playlists while running:
{_playlists_md(running)}

Settings (without the `*.header_state_pb` blobs):
{settings}

SQL errors in the mixxx.log files (ignoring the normal "SettingsDAO - Failed to prepare
query: Returning default value" lines of a brand-new file):
{errors}

## Music folder `{music_dir}`

{chr(10).join(files)}

`kind`: `file` regular file; `annex-link` git-annex-style symlink whose target exists under
the folder's own `.git/annex/objects/` (Mixxx stores the link path, and skips the hidden
`.git`); `broken-link` symlink to absent annex content (Mixxx skips it).
"""
    (out_dir / "README.md").write_text(text, encoding="utf-8")


app = typer.Typer(add_completion=False, help=__doc__.split("\n\n")[0])


@app.command()
def main(
    mixxx: str = typer.Option("2.3", help="Mixxx to run: 2.3 (host's mixxx) or 2.5 (chroot)."),
    music_dir: Path = typer.Option(DEFAULT_MUSIC_DIR, help="Music folder to (re)generate."),
    settings_dir: Path = typer.Option(
        None, help="Mixxx settings folder (default /tmp/mixxx-peewee-fixture-settings-<ver>)."
    ),
    out_dir: Path = typer.Option(
        None, help="Output folder (default fixtures/real-mixxx-<version> in the repo)."
    ),
    chroot: Path = typer.Option(DEFAULT_CHROOT, help="Chroot with Mixxx 2.5 (for --mixxx 2.5)."),
    timeout: float = typer.Option(120.0, help="Seconds to wait for the scan."),
    music_only: bool = typer.Option(False, help="Only generate the music folder."),
    offscreen: bool = typer.Option(
        False,
        help="Run Mixxx with QT_QPA_PLATFORM=offscreen instead of under Xvfb "
        "(then it can only be stopped by SIGTERM, which skips its shutdown).",
    ),
) -> None:
    """Run a real Mixxx on a generated music folder and save its mixxxdb.sqlite."""
    try:
        if mixxx not in SCHEMA_BY_VERSION:
            raise FixtureError(f"--mixxx must be one of {', '.join(SCHEMA_BY_VERSION)}")
        require_tools("ffmpeg")
        music_dir = music_dir.absolute()
        if music_only:
            for mf in generate_music_folder(music_dir):
                print(mf.relpath)
            return
        use_chroot: Path | None = None
        if mixxx == "2.5":
            require_tools("chroot", "mount", *(() if offscreen else ("Xvfb",)))
            if not (chroot / "usr/bin/mixxx").exists():
                raise FixtureError(
                    f"no mixxx in chroot {chroot}: run scripts/build_mixxx25_chroot.sh first"
                )
            use_chroot = chroot
        else:
            require_tools("mixxx", *(() if offscreen else ("Xvfb",)))
        if use_chroot is not None and os.geteuid() != 0:
            raise FixtureError("--mixxx 2.5 needs root (chroot, mount --bind)")
        settings = (settings_dir or Path(f"/tmp/mixxx-peewee-fixture-settings-{mixxx}")).absolute()
        info = make_fixture(
            music_dir,
            settings,
            Path(out_dir) if out_dir else _default_out(mixxx, use_chroot),
            mixxx=mixxx,
            chroot=use_chroot,
            timeout=timeout,
            offscreen=offscreen,
        )
    except FixtureError as e:
        print(f"error: {e}", file=sys.stderr)
        raise typer.Exit(1) from None
    s = info["summary"]
    print(
        f"schema {s['settings'].get('mixxx.schema.version')}, "
        f"{s['counts'].get('track_locations')} track_locations, "
        f"{s['counts'].get('library')} library rows, timings {info['timings']}"
    )
    for e in info["sql_errors"]:
        print(f"SQL error in mixxx.log: {e}")


def _default_out(mixxx: str, chroot: Path | None) -> Path:
    ver = mixxx_version(chroot).split("~")[0].split("+")[0].split("-")[0]
    return REPO_ROOT / "fixtures" / f"real-mixxx-{ver}"


if __name__ == "__main__":
    app()
