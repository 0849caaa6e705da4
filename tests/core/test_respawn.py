"""`make run`: one process crashing restarts alone, and the others keep serving."""

import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

RESPAWN = Path(settings.BASE_DIR) / "scripts" / "respawn.sh"


def test_a_crashing_process_restarts_while_the_others_keep_running(tmp_path):
    runs = tmp_path / "runs"
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        f"crasher: {RESPAWN} bash -c 'echo run >> {runs}; exit 3'\nsteady: {RESPAWN} sleep 60\n"
    )
    honcho = Path(sys.executable).parent / "honcho"
    manager = subprocess.Popen(
        [str(honcho), "-f", str(procfile), "-d", str(tmp_path), "start"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not runs.exists() or len(runs.read_text().split()) < 3:
            assert manager.poll() is None, "honcho stopped everything"
            assert time.monotonic() < deadline, "the crashed process was not restarted"
            time.sleep(0.1)
        assert manager.poll() is None
    finally:
        manager.send_signal(signal.SIGINT)
        output, _ = manager.communicate(timeout=20)
    assert "exited with status 3; restarting in 1s" in output
    assert "restarting in 2s" in output


def test_a_stop_signal_stops_the_wrapper_and_its_process_at_once(tmp_path):
    wrapper = subprocess.Popen([str(RESPAWN), "sleep", "60"])
    time.sleep(0.5)
    wrapper.send_signal(signal.SIGTERM)
    assert wrapper.wait(timeout=5) == 0
    running = subprocess.run(["pgrep", "-f", "^sleep 60$", "-P", str(wrapper.pid)])
    assert running.returncode == 1  # its child is gone too
