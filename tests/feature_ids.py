"""The public prompt-feature ids: SPEC.md's table and the project's extras (shared by tests)."""

SPEC_IDS = (
    "camera.pan", "camera.tilt", "camera.zoom", "camera.dolly", "camera.orbit",
    "camera.tracking", "camera.crane", "camera.shake", "camera.rack_focus", "camera.static",
    "motion.still", "motion.slow", "motion.fast", "motion.multi_direction", "motion.sequence",
    "subject.human", "subject.crowd", "subject.animal", "subject.multiple", "anatomy.hands",
    "anatomy.face_closeup", "spatial.relation", "attribute.color", "text.render",
    "physics.fluid", "physics.thermal", "physics.collision", "transform.morph", "scene.cut",
    "style.stylized", "duration.long",
)  # fmt: skip
EXTRA_IDS = (
    "camera.multi_move", "audio.dialogue", "audio.sound", "subject.count_exact",
    "anatomy.full_body", "subject.interaction", "object.state_change", "optics.reflection",
    "prompt.long", "prompt.many_elements", "style.overload", "prompt.negation",
    "input.keyframes", "scene.fast_cuts",
)  # fmt: skip
