package importer

// PlanLabObserved is PlanLab telling a test every dependency it weighs.
var PlanLabObserved = planLab
