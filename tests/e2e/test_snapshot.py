"""ws-snapshot end to end: folds, timers, signals, state files, pipeline."""
import array
import asyncio
import fcntl
import json
import os
import random
import re
import select
import shutil
import signal
import subprocess
import termios
import threading
import time

import pytest
import websockets

from conftest import ROOT, metrics, prog, wait_for, ws_recv

SNAP = prog("ws-snapshot")


def snapshot(env, args, data, timeout=30):
    """Run ws-snapshot on data; (status, stdout lines, stderr lines)."""
    if isinstance(data, str):
        data = data.encode()
    r = subprocess.run([SNAP] + list(args), input=data, env=env,
                       capture_output=True, timeout=timeout)
    return (r.returncode, r.stdout.decode().splitlines(),
            r.stderr.decode().splitlines())


def lines(*values):
    """JSON lines, one per value, as jq -c would write them."""
    return "".join(json.dumps(v, separators=(",", ":")) + "\n"
                   for v in values)


def compact(v):
    return json.dumps(v, separators=(",", ":"))


class Lines:
    """Collects the stdout lines of a running Proc as they come."""

    def __init__(self, proc):
        self.proc = proc
        self.got = []
        self.taken = 0
        self.cond = threading.Condition()
        self.eof = False
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for raw in self.proc.p.stdout:
            with self.cond:
                self.got.append((time.monotonic(),
                                 raw.decode().rstrip("\n")))
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def next(self, timeout=10.0):
        """The next line and when it came; fails after timeout."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.taken >= len(self.got):
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    raise AssertionError(
                        f"no line within {timeout}s; stderr:\n"
                        + self.proc.stderr())
                self.cond.wait(left)
            self.taken += 1
            return self.got[self.taken - 1]

    def rest(self, timeout=10.0):
        """Every line not taken yet, once stdout has ended."""
        self.t.join(timeout)
        assert not self.t.is_alive(), "stdout did not end"
        with self.cond:
            out = [text for _, text in self.got[self.taken:]]
            self.taken = len(self.got)
            return out

    def none_within(self, seconds):
        """True when no new line came within seconds."""
        time.sleep(seconds)
        with self.cond:
            return self.taken >= len(self.got)


def pipe_bytes(f):
    """Bytes waiting in a pipe, unread."""
    buf = array.array("i", [0])
    fcntl.ioctl(f.fileno(), termios.FIONREAD, buf)
    return buf[0]


@pytest.fixture
def sdir(tmp_path):
    """An empty directory for state files (tmp_path holds HOME)."""
    d = tmp_path / "files"
    d.mkdir()
    return d


def start(procs, *args):
    p = procs.run([SNAP] + list(args))
    return p, Lines(p)


# --- the folds, on crafted streams -----------------------------------------

def test_default_is_latest_event_written_on_change_only(env):
    data = "1\n1\n1.0\n2\nnull\n{\"b\": 1, \"a\": [1]}\n{\"a\":[1],\"b\":1}\n"
    rc, out, err = snapshot(env, [], data)
    assert (rc, err) == (0, [])
    assert out == ["1", "2", "null", '{"b":1,"a":[1]}']


def test_first_event_equal_to_the_start_writes_nothing(env):
    rc, out, err = snapshot(env, [], "null\n")
    assert (rc, out, err) == (0, [], [])
    rc, out, err = snapshot(env, ["--key", ".h"], "")
    assert (rc, out, err) == (0, [], [])


def test_key_keeps_latest_event_per_key_in_first_seen_order(env):
    data = lines({"host": "web2", "load": 1},
                 {"host": "web1", "load": 5},
                 {"host": "web2", "load": 1},
                 {"host": "web2", "load": 3},
                 {"host": 7, "load": 0},
                 {"host": "7", "load": 9})
    rc, out, err = snapshot(env, ["--key", ".host"], data)
    assert (rc, err) == (0, [])
    assert out == [
        '{"web2":{"host":"web2","load":1}}',
        '{"web2":{"host":"web2","load":1},"web1":{"host":"web1","load":5}}',
        '{"web2":{"host":"web2","load":3},"web1":{"host":"web1","load":5}}',
        '{"web2":{"host":"web2","load":3},"web1":{"host":"web1","load":5},'
        '"7":{"host":7,"load":0}}',
        '{"web2":{"host":"web2","load":3},"web1":{"host":"web1","load":5},'
        '"7":{"host":"7","load":9}}',
    ]


def test_key_that_is_not_a_string_or_number_is_reported_and_skipped(env):
    data = lines({"host": "a"}, {"host": None}, {"host": ["x"]}, [1],
                 {"host": {"n": 1}}, {"host": "b"})
    rc, out, err = snapshot(env, ["--key", ".host"], data)
    assert rc == 0
    assert out == ['{"a":{"host":"a"}}',
                   '{"a":{"host":"a"},"b":{"host":"b"}}']
    assert err == [
        "ws-snapshot: line 2: --key gave null, not a string or a number",
        'ws-snapshot: line 3: --key gave ["x"], not a string or a number',
        'ws-snapshot: line 4: --key failed: Cannot index array with '
        'string "host"',
        'ws-snapshot: line 5: --key gave {"n":1}, not a string or a '
        'number',
    ]


def test_merge_deep_merges_like_jq_star(env):
    data = lines({"cpu": {"us": 1}}, {"cpu": {"sy": 2}, "up": True},
                 {"cpu": {"sy": 2}}, [1], {"cpu": 5}, "x")
    rc, out, err = snapshot(env, ["--merge"], data)
    assert rc == 0
    assert out == ['{"cpu":{"us":1}}', '{"cpu":{"us":1,"sy":2},"up":true}',
                   '{"cpu":5,"up":true}']
    assert err == [
        "ws-snapshot: line 4: --merge needs an object, not an array",
        "ws-snapshot: line 6: --merge needs an object, not a string",
    ]


def test_merge_per_key(env):
    data = lines({"h": "a", "cpu": 1}, {"h": "b", "mem": 2},
                 {"h": "a", "mem": {"free": 3}}, {"h": "a", "cpu": 1})
    rc, out, err = snapshot(env, ["--key", ".h", "--merge"], data)
    assert (rc, err) == (0, [])
    assert out == [
        '{"a":{"h":"a","cpu":1}}',
        '{"a":{"h":"a","cpu":1},"b":{"h":"b","mem":2}}',
        '{"a":{"h":"a","cpu":1,"mem":{"free":3}},"b":{"h":"b","mem":2}}',
    ]


def test_reduce_failures_are_reported_skipped_and_keep_the_state(env):
    prog_ = '($state // 0) + .n'
    data = lines({"n": 1}, {"n": 2}, {"n": "x"}, {"n": 0}, {"m": 1}, [],
                 {"n": 4})
    rc, out, err = snapshot(env, ["--reduce", prog_], data)
    assert rc == 0
    # {"m": 1} adds null: no change; [] fails; "x" fails.
    assert out == ["1", "3", "7"]
    assert err == [
        'ws-snapshot: line 3: --reduce failed: number (3) and string '
        '("x") cannot be added',
        'ws-snapshot: line 6: --reduce failed: Cannot index array with '
        'string "n"',
    ]


def test_reduce_no_output_keeps_state_and_last_output_wins(env):
    data = lines(1, 2, 3, 4)
    rc, out, err = snapshot(
        env, ["--reduce", 'if . % 2 == 0 then empty else (0, . * 10) end'],
        data)
    assert (rc, out, err) == (0, ["10", "30"], [])


def test_reduce_per_key_counts_events(env):
    data = lines({"h": "a"}, {"h": "b"}, {"h": "a"}, {"h": "c", "skip": 1})
    rc, out, err = snapshot(
        env, ["--key", ".h", "--reduce",
              'if .skip then empty else ($state // 0) + 1 end'], data)
    assert (rc, err) == (0, [])
    assert out == ['{"a":1}', '{"a":1,"b":1}', '{"a":2,"b":1}']


def test_filter_runs_first_and_may_give_many_events(env):
    data = lines([{"h": "a", "v": 1}, {"h": "b", "v": 1}], "oops",
                 [{"h": "a", "v": 2}])
    rc, out, err = snapshot(env, ["-f", ".[]", "--key", ".h"], data)
    assert rc == 0
    assert out == ['{"a":{"h":"a","v":1}}',
                   '{"a":{"h":"a","v":1},"b":{"h":"b","v":1}}',
                   '{"a":{"h":"a","v":2},"b":{"h":"b","v":1}}']
    assert err == ['ws-snapshot: line 2: filter failed: Cannot iterate '
                   'over string ("oops")']


def test_same_output_as_jq_doing_the_same_fold(env):
    if shutil.which("jq") is None:
        pytest.skip("jq(1) is not installed")
    rnd = random.Random(5)
    events = [{"host": f"h{rnd.randrange(7)}", "n": i,
               "v": rnd.choice([1, 2.5, "x", None, [1, {"a": True}]])}
              for i in range(300)]
    data = lines(*events)
    rc, out, _ = snapshot(env, ["--key", ".host"], data)
    jq = subprocess.run(
        ["jq", "-c", "-n", "foreach inputs as $e ({}; .[$e.host] = $e)"],
        input=data.encode(), capture_output=True, env=env, timeout=30)
    assert rc == 0
    assert out == jq.stdout.decode().splitlines()
    rc, out, _ = snapshot(env, ["--merge", "-f", "{(.host): {v, n}}"], data)
    jq = subprocess.run(
        ["jq", "-c", "-n", "reduce (inputs | {(.host): {v, n}}) as $e "
         "({}; . * $e)"], input=data.encode(), capture_output=True,
        env=env, timeout=30)
    assert out[-1] == jq.stdout.decode().strip()


# --- bad input --------------------------------------------------------------

def test_bad_lines_are_reported_with_numbers_and_skipped(env):
    data = (b'{"h":"a","v":1}\r\n'
            b'\n'
            b'{"h":\n'
            b'"b"}\n'
            b'{"h":"a","v":1}\x00\n'
            b'{"h":"\xff"}\n'
            b'{"h":"c","pad":"' + b"x" * 200 + b'"}\n'
            b'nan\n'
            b'{"h":"b","v":2}')
    rc, out, err = snapshot(env, ["--key", ".h", "--max-line", "100"], data)
    assert rc == 0
    assert out == ['{"a":{"h":"a","v":1}}',
                   '{"a":{"h":"a","v":1},"b":{"h":"b","v":2}}']
    assert err == [
        "ws-snapshot: line 3: not valid JSON: expected a value at byte 6 "
        "(a value continues on the next line? put one value per line, "
        "e.g. with jq -c)",
        "ws-snapshot: line 4: not valid JSON: unexpected data after the "
        "value at byte 4",
        "ws-snapshot: line 5: not valid JSON: unexpected data after the "
        "value at byte 16",
        "ws-snapshot: line 6: not valid JSON: invalid UTF-8 in string at "
        "byte 7",
        "ws-snapshot: line 7: 218 bytes, longer than --max-line (100): "
        "skipped",
        "ws-snapshot: line 8: not valid JSON: invalid literal at byte 2",
    ]


def test_bad_line_reports_are_rate_limited(env):
    rc, out, err = snapshot(env, [], "nope\n" * 25 + "1\n")
    assert (rc, out) == (0, ["1"])
    assert len(err) == 11
    assert err[9] == ("ws-snapshot: line 10: not valid JSON: invalid "
                      "literal at byte 2")
    assert err[10] == "ws-snapshot: 15 more bad lines"


# --- timers -----------------------------------------------------------------

def test_ttl_drops_idle_keys_while_stdin_is_idle(procs):
    p, out = start(procs, "--key", ".h", "--ttl", "500ms")
    for key in ("a", "b"):
        t0 = time.monotonic()
        p.write(lines({"h": key}))
        assert out.next()[1] == compact({key: {"h": key}})
        t_gone, line = out.next(timeout=10)
        assert line == "{}"
        # Not before the time to live, however slow the machine.
        assert t_gone - t0 >= 0.49
    assert p.p.poll() is None
    p.close_stdin()
    assert p.wait() == 0
    assert out.rest() == []


def test_ttl_is_restarted_by_an_update_even_of_equal_value(procs):
    p, out = start(procs, "--key", ".h", "--ttl", "2s")
    p.write(lines({"h": "a"}, {"h": "b"}))
    assert out.next()[1] == '{"a":{"h":"a"}}'
    assert out.next()[1] == '{"a":{"h":"a"},"b":{"h":"b"}}'
    t_last = time.monotonic()
    for _ in range(3):
        time.sleep(0.3)
        p.write(lines({"h": "a"}))
        t_last = time.monotonic()
    t_b, line = out.next(timeout=10)
    assert line == '{"a":{"h":"a"}}'
    t_a, line = out.next(timeout=10)
    assert line == "{}"
    assert t_a - t_last >= 1.9
    p.close_stdin()
    assert p.wait() == 0


def test_every_writes_leading_then_trailing_state(procs):
    p, out = start(procs, "--every", "2s")
    p.write("1\n")
    t1, line = out.next()
    assert line == "1"
    # One write, so one batch: all of it lands inside the interval.
    p.write("2\n3\n4\n5\n")
    t5, line = out.next(timeout=10)
    assert line == "5"
    assert t5 - t1 >= 1.5
    # End of input writes the pending state without waiting.
    p.write("6\n")
    p.close_stdin()
    t6, line = out.next(timeout=1.5)
    assert line == "6"
    assert p.wait() == 0
    assert out.rest() == []


def test_every_skips_a_trailing_state_equal_to_the_last_written(procs):
    p, out = start(procs, "--every", "1s")
    p.write("1\n")
    assert out.next()[1] == "1"
    p.write("2\n1\n")
    assert out.none_within(1.5)
    p.write("3\n")
    assert out.next(timeout=10)[1] == "3"
    p.close_stdin()
    assert p.wait() == 0
    assert out.rest() == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_writes_pending_state_and_exits_0(procs, tmp_path, sig):
    state = tmp_path / "s.json"
    p, out = start(procs, "--every", "1m", "--state-file", str(state))
    p.write("1\n")
    assert out.next()[1] == "1"
    p.write("2\n")
    assert out.none_within(0.3)
    assert state.read_text() == "1\n"
    p.signal(sig)
    assert out.next()[1] == "2"
    assert p.wait() == 0
    assert state.read_text() == "2\n"
    assert "writing the state and exiting" in p.stderr()


def test_second_signal_exits_at_once_while_stdout_is_stuck(procs):
    """A reader that does not read: the first signal's final write blocks,
    the second ends the program anyway."""
    p = procs.run([SNAP, "--every", "1m"])
    # A state line far larger than a pipe holds: the write blocks.
    p.write(lines({"v": "x" * 300000}))
    wait_for(lambda: pipe_bytes(p.p.stdout) > 0,
             what="ws-snapshot writing its state")
    p.signal(signal.SIGTERM)
    time.sleep(0.3)
    assert p.p.poll() is None
    p.signal(signal.SIGTERM)
    assert p.wait(timeout=5) == 0


def test_closed_stdout_ends_quietly_even_when_input_is_idle(procs):
    # No reader thread here: it would hold the pipe while we close it.
    p = procs.run([SNAP, "--key", ".h"])
    p.write(lines({"h": "a"}))
    ready, _, _ = select.select([p.p.stdout], [], [], 10)
    assert ready, "no state written"
    assert p.p.stdout.readline() == b'{"a":{"h":"a"}}\n'
    p.p.stdout.close()
    assert p.wait(timeout=5) == 0
    assert p.stderr() == ""


def test_closed_stdout_ends_quietly_on_the_next_write(env):
    r = subprocess.run(
        f"yes 1 | head -c 400000 | awk '{{print NR}}' | {SNAP} | head -1",
        shell=True, env=env, capture_output=True, timeout=30)
    assert r.stdout == b"1\n"
    assert r.stderr == b""


# --- state file and -o ------------------------------------------------------

def test_state_file_is_saved_and_a_restart_continues_from_it(env, sdir):
    state = sdir / "s.json"
    rc, out, err = snapshot(env, ["--key", ".h", "--state-file", str(state)],
                            lines({"h": "a", "n": 1}, {"h": "b", "n": 1}))
    assert (rc, err) == (0, [])
    assert state.read_text() == out[-1] + "\n"
    rc, out, err = snapshot(env, ["--key", ".h", "--state-file", str(state)],
                            lines({"h": "a", "n": 2}, {"h": "c", "n": 1}))
    assert (rc, err) == (0, [])
    # The loaded state first, for a fresh reader, then the changes.
    assert out == [
        '{"a":{"h":"a","n":1},"b":{"h":"b","n":1}}',
        '{"a":{"h":"a","n":2},"b":{"h":"b","n":1}}',
        '{"a":{"h":"a","n":2},"b":{"h":"b","n":1},"c":{"h":"c","n":1}}',
    ]
    assert state.read_text() == out[-1] + "\n"
    assert os.listdir(sdir) == ["s.json"]


def test_missing_state_file_starts_empty(env, sdir):
    state = sdir / "new.json"
    rc, out, err = snapshot(env, ["--merge", "--state-file", str(state)],
                            "")
    assert (rc, out, err) == (0, [], [])
    assert not state.exists()


@pytest.mark.parametrize("content,why", [
    (b'{"a": 1', "not valid JSON: expected ',' or '}' at byte 8"),
    (b"", "empty, not a JSON value"),
    (b'{"a":1}\n{"a":2}\n', "not valid JSON: unexpected data after the "
     "value at byte 9"),
    (b'{"a": "\xff"}', "not valid JSON: invalid UTF-8 in string at byte 8"),
    (b"[1, 2]", "the state is an array, not the object that --key needs"),
])
def test_corrupt_state_file_is_an_error_and_left_untouched(
        env, sdir, content, why):
    state = sdir / "s.json"
    state.write_bytes(content)
    before = os.stat(state)
    rc, out, err = snapshot(env, ["--key", ".h", "--state-file", str(state)],
                            lines({"h": "a"}))
    assert (rc, out) == (1, [])
    assert err == [f"ws-snapshot: --state-file {state}: {why} "
                   "(the file is left as it is)"]
    after = os.stat(state)
    assert state.read_bytes() == content
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino,
                                                 before.st_mtime_ns)
    assert os.listdir(sdir) == ["s.json"]


def test_state_file_in_a_missing_directory_is_an_error(env, sdir):
    rc, out, err = snapshot(
        env, ["--state-file", str(sdir / "no" / "s.json")], "1\n")
    assert (rc, out) == (1, [])
    assert err == [f"ws-snapshot: --state-file {sdir}/no/s.json: cannot "
                   f"open its directory {sdir}/no: No such file or "
                   "directory"]


def test_state_file_that_cannot_be_saved_is_reported_once(env, sdir):
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only directory")
    d = sdir / "ro"
    d.mkdir()
    d.chmod(0o500)
    try:
        rc, out, err = snapshot(env, ["--state-file", str(d / "s.json")],
                                "1\n2\n")
    finally:
        d.chmod(0o700)
    assert rc == 1
    assert out == ["1", "2"]
    assert len(err) == 1 and "cannot save the state" in err[0]


def test_failing_saves_are_reported_once_then_recovery(procs, sdir):
    o = sdir / "o.json"
    p, out = start(procs, "-o", str(o))
    p.write("0\n")
    assert out.next()[1] == "0"
    wait_for(lambda: o.is_file(), what="first save")
    # A directory that replaces the file makes the saves fail.
    o.unlink()
    o.mkdir()
    p.write("1\n")
    assert out.next()[1] == "1"
    p.wait_stderr(r"-o .*/o\.json: cannot save the state: rename "
                  r"\.o\.json\.\d+\.tmp: Is a directory$")
    p.write("2\n")
    assert out.next()[1] == "2"
    o.rmdir()
    p.write("3\n")
    assert out.next()[1] == "3"
    p.wait_stderr(r"-o .*o\.json: saved again")
    p.close_stdin()
    assert p.wait() == 0
    assert o.read_text() == "3\n"
    assert p.stderr().count("cannot save") == 1
    assert os.listdir(sdir) == ["o.json"]


def test_last_save_failing_exits_1(procs, sdir):
    o = sdir / "o.json"
    p, out = start(procs, "-o", str(o))
    p.write("0\n")
    assert out.next()[1] == "0"
    wait_for(lambda: o.is_file(), what="first save")
    o.unlink()
    o.mkdir()
    p.write("1\n2\n")
    assert out.next()[1] == "1"
    assert out.next()[1] == "2"
    p.close_stdin()
    assert p.wait() == 1
    assert p.stderr().count("cannot save the state") == 1
    assert os.listdir(sdir) == ["o.json"]


def test_directory_at_output_path_refused_at_start(env, sdir):
    o = sdir / "o.json"
    o.mkdir()
    rc, out, err = snapshot(env, ["-o", str(o)], "1\n")
    assert (rc, out) == (1, [])
    assert err == [f"ws-snapshot: -o {o}: not a regular file: refusing "
                   "to replace it"]


def test_output_file_is_replaced_with_each_state(procs, sdir):
    o = sdir / "o.json"
    p, out = start(procs, "--key", ".h", "-o", str(o))
    p.write(lines({"h": "a"}))
    assert out.next()[1] == '{"a":{"h":"a"}}'
    wait_for(lambda: o.exists() and o.read_text() == '{"a":{"h":"a"}}\n',
             what="-o written")
    p.write(lines({"h": "b"}))
    assert out.next()[1] == '{"a":{"h":"a"},"b":{"h":"b"}}'
    wait_for(lambda: o.read_text() == '{"a":{"h":"a"},"b":{"h":"b"}}\n',
             what="-o replaced")
    p.close_stdin()
    assert p.wait() == 0
    assert os.listdir(sdir) == ["o.json"]


def test_output_file_and_state_file_follow_every(procs, sdir):
    o, s = sdir / "o.json", sdir / "s.json"
    p, out = start(procs, "--every", "1m", "-o", str(o), "--state-file",
                   str(s))
    p.write("1\n")
    assert out.next()[1] == "1"
    p.write("2\n3\n")
    assert out.none_within(0.3)
    assert (o.read_text(), s.read_text()) == ("1\n", "1\n")
    p.close_stdin()
    assert out.next()[1] == "3"
    assert p.wait() == 0
    assert (o.read_text(), s.read_text()) == ("3\n", "3\n")


def _writer(p, stop, rnd):
    """Feed events as fast as the pipe takes them, until it breaks."""
    i = 0
    try:
        while not stop.is_set():
            chunk = "".join(
                compact({"host": f"h{(i + k) % 50}", "seq": i + k,
                         "x": rnd.random()}) + "\n" for k in range(200))
            i += 200
            p.p.stdin.write(chunk.encode())
            p.p.stdin.flush()
    except (BrokenPipeError, ValueError, OSError):
        pass


def _check_state(path, seed, i):
    text = path.read_text()
    assert text.endswith("\n"), f"seed {seed} round {i}: torn file"
    state = json.loads(text)
    assert isinstance(state, dict)
    for k, v in state.items():
        assert v["host"] == k and isinstance(v["seq"], int)
    return state


def test_kill_9_during_saves_never_leaves_a_torn_state_file(procs, env,
                                                           sdir):
    seed = random.randrange(1 << 30)
    rnd = random.Random(seed)
    state = sdir / "s.json"
    killed = 0
    for i in range(25):
        args = ["--key", ".host", "--state-file", str(state)]
        if i % 3 == 2:
            args += ["--every", "20ms"]
        p = procs.run([SNAP] + args, stdout=subprocess.DEVNULL)
        stop = threading.Event()
        t = threading.Thread(target=_writer, args=(p, stop, rnd),
                             daemon=True)
        t.start()
        time.sleep(rnd.uniform(0.02, 0.25))
        p.p.send_signal(signal.SIGKILL)
        p.p.wait(10)
        killed += 1
        stop.set()
        t.join(10)
        if state.exists():
            _check_state(state, seed, i)
    assert state.exists(), f"seed {seed}: never saved in 25 runs"
    before = _check_state(state, seed, "last")

    # A restart continues from the file.
    rc, out, err = snapshot(env, ["--key", ".host", "--state-file",
                                  str(state)],
                            lines({"host": "new", "seq": -1}))
    assert (rc, err) == (0, [])
    assert json.loads(out[0]) == before
    after = json.loads(out[-1])
    assert after == dict(before, new={"host": "new", "seq": -1})
    assert json.loads(state.read_text()) == after
    # Only the file, and temporary files of killed processes.
    for name in os.listdir(sdir):
        assert name == "s.json" or re.fullmatch(r"\.s\.json\.\d+\.tmp",
                                                name), name
    assert killed == 25


# --- the pipeline -----------------------------------------------------------

def test_pipeline_late_joiner_gets_every_host_in_first_message(procs):
    snap = procs.run([SNAP, "--key", ".host"])
    b = procs.broadcast("-r", "fleet", stdin=snap.p.stdout)
    snap.p.stdout.close()
    events = [{"host": f"web{i % 5}", "load": i} for i in range(12)]
    snap.write(lines(*events))
    wait_for(lambda: metrics(b)["wsfeed_messages_in_total"] >= 12,
             what="12 states in ws-broadcast")
    want = {f"web{h}": events[max(i for i in range(12) if i % 5 == h)]
            for h in range(5)}

    async def go():
        async with websockets.connect(b.url("/fleet")) as ws:
            first = await asyncio.wait_for(ws.recv(), 5)
            snap.write(lines({"host": "web9", "load": 99}))
            second = await asyncio.wait_for(ws.recv(), 5)
            return first, second

    first, second = asyncio.run(asyncio.wait_for(go(), 20))
    assert first == compact(want)
    assert list(json.loads(first)) == ["web0", "web1", "web2", "web3",
                                       "web4"]
    assert json.loads(second) == dict(want, web9={"host": "web9",
                                                  "load": 99})
    # The room's snapshot over HTTP is the same state.
    status, _, body = b.http("/fleet")
    assert status == 200 and json.loads(body) == json.loads(second)
    assert ws_recv(b.url("/"), 1)[0] == second
    snap.close_stdin()
    assert snap.wait() == 0
    assert b.wait() == 0


# --- usage ------------------------------------------------------------------

@pytest.mark.parametrize("args,needle", [
    (["--bogus"], "unknown option '--bogus'"),
    (["--ttl", "1s"], "--ttl drops keys: it needs --key"),
    (["--merge", "--reduce", "."], "--merge and --reduce are two ways"),
    (["--key", ".a |"], "--key: jq: error: syntax error"),
    (["--reduce", "$nope"], "$nope is not defined"),
    (["-f", "{"], "-f: jq: error"),
    (["--every", "5h"], "--every: bad duration '5h'"),
    (["--max-line", "0"], "--max-line: bad size '0'"),
    (["-o", "a.json", "--state-file", "./a.json"], "name the same file"),
    (["extra"], "unexpected argument 'extra'"),
])
def test_usage_errors_exit_2(env, args, needle):
    rc, out, err = snapshot(env, args, "")
    assert rc == 2
    assert out == []
    assert needle in "\n".join(err)
    assert err[-1] == "Try 'ws-snapshot --help' for more information."


def test_help_matches_the_man_page_synopsis(env):
    r = subprocess.run([SNAP, "--help"], capture_output=True, env=env,
                       timeout=10)
    assert r.returncode == 0
    usage = " ".join(r.stdout.decode().split())
    assert usage.startswith("usage: ws-snapshot ")
    if shutil.which("mandoc") is None:
        pytest.skip("mandoc is not installed")
    page = subprocess.run(["mandoc", "-T", "utf8", "-O", "width=200",
                           str(ROOT / "man" / "ws-snapshot.1")],
                          capture_output=True, timeout=10).stdout.decode()
    page = re.sub(".\b", "", page)
    synopsis = page.split("SYNOPSIS", 1)[1].split("DESCRIPTION", 1)[0]
    assert " ".join(synopsis.split()).lower() == \
        usage[len("usage: "):].lower()
    r = subprocess.run([SNAP, "-V"], capture_output=True, env=env,
                       timeout=10)
    assert r.stdout.decode().startswith("ws-snapshot ")


# --- the man page's examples ------------------------------------------------

def test_example_fleet_state(env):
    data = lines({"host": "a", "load": 1}, {"host": "b", "load": 2},
                 {"host": "a", "load": 3})
    rc, out, _ = snapshot(env, ["--key", ".host"], data)
    assert out[-1] == '{"a":{"host":"a","load":3},"b":{"host":"b","load":2}}'


def test_example_count_per_host(env):
    data = lines({"host": "a"}, {"host": "b"}, {"host": "a"})
    rc, out, _ = snapshot(env, ["--key", ".host", "--reduce",
                                "($state // 0) + 1"], data)
    assert out[-1] == '{"a":2,"b":1}'


def test_example_fleet_with_ttl_state_file_and_every(env, sdir):
    state = sdir / "fleet.json"
    data = lines({"host": "a", "load": 1}, {"host": "b", "load": 2},
                 {"host": "a", "load": 3})
    args = ["--key", ".host", "--ttl", "1m", "--state-file", str(state),
            "--every", "1s"]
    rc, out, _ = snapshot(env, args, data)
    want = '{"a":{"host":"a","load":3},"b":{"host":"b","load":2}}'
    assert (rc, out) == (0, ['{"a":{"host":"a","load":1}}', want])
    assert state.read_text() == want + "\n"


def test_example_merge_partial_updates_into_a_file(env, sdir):
    o = sdir / "status.json"
    data = lines({"db": {"up": True}}, {"web": {"up": False}},
                 {"db": {"lag": 3}})
    rc, out, _ = snapshot(env, ["--merge", "-o", str(o)], data)
    assert rc == 0
    assert o.read_text() == ('{"db":{"up":true,"lag":3},'
                             '"web":{"up":false}}\n')


def test_example_highest_load(env):
    data = lines({"load": 0.5}, {"load": 2.25}, {"load": 1})
    rc, out, _ = snapshot(env, ["-f", ".load", "--reduce",
                                "[$state, .] | max"], data)
    assert (rc, out) == (0, ["0.5", "2.25"])
