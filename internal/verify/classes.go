package verify

import (
	"strings"

	"github.com/senaite-sync/senaite-sync/internal/schema"
)

// Class is a kind of value verify does not compare, and why: every
// report counts what each class left out, so that a reader sees what was
// not looked at instead of trusting a silent "clean".
type Class struct {
	Name   string
	Reason string
}

// The classes of values verify leaves out.
var (
	ClassSystem = Class{"system attributes",
		"uid, url, api_url, path, parent_*, created, modified, effective: each lab assigns its own " +
			"(the container is compared through the identity table, the id and the type on their own)"}
	ClassAuthor = Class{"author",
		"the creator of a copy is the account that created it: senaite.jsonapi cannot set it"}
	ClassHistory = Class{"review history",
		"the times and actors of transitions: the destination records the replay (review states are compared)"}
	ClassMetadata = Class{"catalog metadata",
		"listing columns (getXxx, sortable_title, …) the destination's catalog derives from the values compared"}
	ClassLabSet = Class{"set by the destination's own action",
		"values a lab computes when a transition happens there (a sample's publication date)"}
	ClassLeftOut = Class{"references to objects the remote leaves out",
		"values that mention an object the remote skips or the source no longer has, or the destination's own objects the source was never sent"}
	ClassUnreadable = Class{"objects the source cannot show",
		"senaite.jsonapi fails to serialize them (a fresh 2.6 site's setup whose publication e-mail body was never saved): only their listing is known"}
	ClassOneRelease = Class{"fields of one release only",
		"a field the whole item of the other side lacks: the labs run releases with other schemas (a 1.x source)"}
	ClassTitleIsID = Class{"titles that are the id",
		"a sample's or a worksheet's title is its id: reported with the id"}
	ClassOwnIDs = Class{"ids of the destination's own objects",
		"the copy is the destination's own object (its origin, or one linked by a natural key): it keeps its id"}
	ClassUnshowable = Class{"references senaite.jsonapi 2.6 cannot show",
		"multi-valued Dexterity references (a sample point's sample types) are serialized as null by its field manager"}
	ClassLabelled = Class{"ids of prefixable types",
		"the remote labels these copies with their origin (remote prefix and source id): the destination numbers them itself"}
	ClassMerged = Class{"objects merged by their natural key",
		"linked to the destination object that held the same key (another lab's copy, or the destination's own): " +
			"that object keeps its values and state; key, type and container are compared, the differences are " +
			"listed with the merge (objects --state merged)"}
	ClassIDTaken = Class{"ids taken in a lab gathered from several",
		"the destination gathers several labs' objects of the type, numbered by one counter, and another object holds the source's id there: its ID server gave the copy the next one"}
	ClassFolders = Class{"structural folders",
		"the portal's and the setup's folders are the destination's own, mapped by path"}
)

// systemKeys are senaite.jsonapi's own attributes of an item.
var systemKeys = map[string]bool{
	"uid": true, "UID": true, "url": true, "api_url": true, "path": true, "parent_path": true, "parent_id": true,
	"parent_uid": true, "parent_url": true, "created": true, "modified": true, "effective": true, "_runtime": true,
	"portal_type": true, "id": true,
}

// metadataKeys are catalog columns that are not named get<Field>.
var metadataKeys = map[string]bool{
	"sortable_title": true, "listing_searchable_text": true, "is_active": true, "assigned_state": true,
	"isRootAncestor": true, "isSampleReceived": true, "isSelfVerificationEnabled": true, "is_received": true,
	"isRetest": true, "meta_type": true, "cancellation_state": true, "inactive_state": true,
	"worksheetanalysis_review_state": true, "category_uid": true, "sampletype_uid": true,
	"method_available_uid": true, "instrumenttype_title": true, "arreport_sample_uid": true, "senaite_labels": true,
	"allowedRolesAndUsers": true, "object_provides": true, "exclude_from_nav": true, "is_folderish": true,
	"point_of_capture": true, "Creator": true, "Description": true, "Title": true, "Type": true, "CreationDate": true,
	"ModificationDate": true, "EffectiveDate": true, "ExpirationDate": true, "Date": true, "Subject": true,
	"listCreators": true, "cmf_uid": true, "getIcon": true, "getObjSize": true, "start": true, "end": true,
	"expires": true, "commentators": true, "total_comments": true, "last_comment_date": true, "in_reply_to": true,
}

// labSet are values a destination computes itself when an action happens
// there, per portal type.
var labSet = map[string]map[string]bool{
	"AnalysisRequest": {"DatePublished": true},
}

// classOf tells whether verify leaves a key of an object of portalType
// out, and under which class.
func classOf(portalType, key string) (Class, bool) {
	switch {
	case systemKeys[key]:
		return ClassSystem, true
	case key == "author":
		return ClassAuthor, true
	case key == "workflow_info" || key == "review_state":
		return ClassHistory, true
	case metadataKeys[key] || strings.HasPrefix(key, "get") && len(key) > 3 && key[3] >= 'A' && key[3] <= 'Z':
		return ClassMetadata, true
	case labSet[portalType][key]:
		return ClassLabSet, true
	case schema.Unreadable(portalType, key):
		return ClassUnshowable, true
	}
	return Class{}, false
}

// Singleton tells whether a structural object is compared field by field:
// the Laboratory, bika_setup and the Dexterity setup are part of the lab
// (its name, accreditation, ID formatting, verification rules).
func Singleton(portalType string) bool {
	switch portalType {
	case "Laboratory", "BikaSetup", "Setup":
		return true
	}
	return false
}
