"""Imports every module that defines tables, so that ``SQLModel.metadata`` is complete."""

import storage.models_corrections  # noqa: F401
import storage.models_deadlines  # noqa: F401
import storage.models_evidence  # noqa: F401
import storage.models_inbox  # noqa: F401
import storage.models_lifecycle  # noqa: F401
import storage.models_plans  # noqa: F401
import storage.models_ranking  # noqa: F401
import storage.models_reminders  # noqa: F401
import storage.models_scale  # noqa: F401
import storage.models_tally  # noqa: F401
import storage.models_tipoffs  # noqa: F401
from storage import models  # noqa: F401
