package crosscheck

// Exclusion is a class of values that cannot be equal across two labs by
// nature. Compare leaves them out and counts them, so that a report says
// what it did not compare; everything else senaite.jsonapi shows is
// compared. The list is short on purpose: a value the product gets wrong
// does not belong here, only what no migration through senaite.jsonapi
// could carry.
type Exclusion struct {
	// Key is an item key, a nested path (workflow_info.review_history)
	// or a class of values (reference url/api_url).
	Key string
	// Reason says why the values cannot be equal.
	Reason string
}

// refURLs is the class of the url and api_url of reference dicts.
const refURLs = "reference {url, api_url}"

// Exclusions are the classes Compare leaves out. Upstream lines refer to
// senaite.jsonapi 2.x (63b5337) and senaite.core 2.x (78a4d3d).
var Exclusions = []Exclusion{
	{"uid", "each lab assigns its own: creation sets schema fields only (senaite.jsonapi api.py:1368 create_object); " +
		"pairs are matched by content, and UIDs inside values are translated through the matches"},
	{"url", "the lab's address and the object's path (its parent and id are compared)"},
	{"api_url", "the lab's address and the object's UID (api.py:360 get_url_info)"},
	{"parent_url", "the lab's address and the parent's UID (api.py:386 get_parent_info); the parent is compared, translated"},
	{"path", "the parent's path and the id, both compared"},
	{"parent_path", "the parent's path: the parent is compared, translated"},
	{"parent_id", "the parent's id, compared on the parent"},
	{"created", "stamped by the lab when it creates the object (dataproviders.py:57); senaite.jsonapi's create cannot " +
		"pass it — an Archetypes item shows it again as its schema field creation_date, where a copy can write it, " +
		"and that one is compared"},
	{"modified", "stamped by the lab on every write (dataproviders.py:58)"},
	{"modification_date", "an Archetypes item's modified as a schema field (Products.Archetypes ExtensibleMetadata): " +
		"stamped again by every write"},
	{transitionKeys, "dates and actors of workflow transitions, read from the review history " +
		"(senaite.core analysisrequest.py:1065-1069 and 2006-2010 DatePublished, 2184-2188 getDateVerified; " +
		"abstractanalysis.py:210-225 getVerificators, 1043-1066 getSubmittedBy, getDateSubmitted, getDateVerified; " +
		"abstractroutineanalysis.py:163-168 getDatePublished): no API carries them, see workflow_info.review_history"},
	{"author", "the account that made the object: senaite.jsonapi cannot set it, and objects a destination makes itself " +
		"during the replay (a retest, by retract or retest) are the replaying account's (senaite.core " +
		"bika/lims/api/__init__.py:1318 do_transition_for acts as the caller)"},
	{"workflow_info.status", "the title of the review state, which is compared"},
	{"workflow_info.transitions", "what the reading user may do now: guards read who did the earlier transitions " +
		"(the user who submitted a result may not verify it, senaite.core workflow/analysis/guards.py), and the " +
		"actors of a replay are the replaying accounts; the review state is compared"},
	{"workflow_info.review_history", "the transitions that led to the review state: their times and actors are " +
		"stamped by the lab (senaite.core bika/lims/api/__init__.py:1318 do_transition_for takes no date, actor or " +
		"comment), and their path is the replay's — the automatic ones follow the order it makes objects in (a sample " +
		"submitted, rolled back to received by a retest and submitted again at the source may be submitted once at " +
		"the destination, its retest made first); the review state is compared"},
	{refURLs, "a reference is compared by its uid, translated; its url and api_url carry the lab's address"},
}

// transitionKeys is the class of the keys senaite.core derives from the
// review history's dates and actors.
const transitionKeys = "transition dates and actors (DatePublished, getDatePublished, getDateVerified, " +
	"getDateSubmitted, getSubmittedBy, getLastVerificator, getVerificators)"

// topExcluded are the item keys of Exclusions, with their class.
var topExcluded = map[string]string{"uid": "uid", "url": "url", "api_url": "api_url", "parent_url": "parent_url", "author": "author",
	"path": "path", "parent_path": "parent_path", "parent_id": "parent_id", "created": "created",
	"modified": "modified", "modification_date": "modification_date",
	"DatePublished": transitionKeys, "getDatePublished": transitionKeys, "getDateVerified": transitionKeys,
	"getDateSubmitted": transitionKeys, "getSubmittedBy": transitionKeys, "getLastVerificator": transitionKeys,
	"getVerificators": transitionKeys}

// nestedExcluded are the nested paths of Exclusions (list positions are
// not part of a path).
var nestedExcluded = map[string]bool{"workflow_info.status": true, "workflow_info.transitions": true,
	"workflow_info.review_history": true}

// routed are keys compared on their own rather than as field values: the
// id (ids), the review state (states) and the parent (parents).
var routed = map[string]bool{"id": true, "review_state": true, "parent_uid": true}

// unordered are reference lists whose order SENAITE does not store, so it
// carries no meaning: compared as multisets. Every other list is compared
// in order — SENAITE keeps a stored reference list in the order it was
// set, and shows it so.
var unordered = map[string]map[string]bool{
	// ARAnalysesField: a catalog query sorted on sortable_title, ties in
	// catalog order (senaite.core senaite/core/datamanagers/field/sample_analyses.py:44-50)
	"AnalysisRequest": {"Analyses": true},
	// back-references, in the order the links were made
	// (bika/lims/content/method.py:186-189)
	"Method": {"Instruments": true},
	// back-references of SamplePoint.sample_types
	// (bika/lims/content/sampletype.py:281 getRawSamplePoints)
	"SampleType": {"SamplePoints": true},
}
