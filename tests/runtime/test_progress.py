"""The progress lines of running Spark stages (runtime.progress), from a stand-in tracker."""

from types import SimpleNamespace

from footfall.runtime.progress import stage_lines


def stage(name, tasks, active, done, failed=0):
    return SimpleNamespace(
        name=name,
        numTasks=tasks,
        numActiveTasks=active,
        numCompletedTasks=done,
        numFailedTasks=failed,
    )


class Tracker:
    """The surface of Spark's StatusTracker that progress reads."""

    def __init__(self, stages):
        self.stages = stages

    def getActiveStageIds(self):
        return list(self.stages)

    def getStageInfo(self, sid):
        return self.stages[sid]


def test_one_line_per_running_stage_timed_from_when_it_was_first_seen():
    # the call site's folders are dropped from the stage name
    first_seen = {7: 1000.0, 2: 900.0}  # stage 7 was seen running at t=1000 s; 2 has ended
    tracker = Tracker(
        {
            7: stage("collect at /opt/footfall/lib/footfall/ingest.py:388", 340, 2, 120, failed=1),
            9: None,  # finished between getActiveStageIds and getStageInfo: no line
            3: stage("save at NativeMethodAccessorImpl.java:0", 8, 0, 0),
        }
    )
    assert stage_lines(tracker, first_seen, now=1090.4) == [
        "stage 3 (save at NativeMethodAccessorImpl.java:0): 0/8 tasks done, 0 running, 0 s",
        "stage 7 (collect at ingest.py:388): 120/340 tasks done, 2 running, 1 failed, 90 s",
    ]
    assert first_seen == {7: 1000.0, 3: 1090.4}  # 3 is timed from now on, 2 is forgotten
