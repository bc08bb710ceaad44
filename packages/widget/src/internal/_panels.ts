// The panels `<marketing-team>` loads right after its first paint, as one chunk (one request):
// the brief form, the lanes, the run progress and controls and the task board.
import '../agent-lane.js';
import '../brief-form.js';
import '../run-controls.js';
import '../run-progress.js';
import '../task-board.js';
