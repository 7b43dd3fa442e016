"""Recommendations with their sources: a validated rule file, a profile of facts and the rules that fit it.

Advice is an aid for a conversation with a clinician: medicines are named by class only, never with a dose.
"""

from osteo_core.recommend.engine import Recommendation, by_section, knee_advice, recommend, rule_matches
from osteo_core.recommend.profile import (
    Profile,
    profile_from_assessment,
    profile_from_image_bone_density,
    profile_from_knee,
)
from osteo_core.recommend.rules import SECTIONS, RuleFileError, RuleSet, Source, default_rules, load_rules

__all__ = [
    "SECTIONS", "Profile", "Recommendation", "RuleFileError", "RuleSet", "Source", "by_section", "default_rules",
    "knee_advice",
    "load_rules", "profile_from_assessment", "profile_from_image_bone_density", "profile_from_knee", "recommend",
    "rule_matches",
]
