// Package caps is the one place where wbsync's input bounds are decided:
// how large a file, a response body, a list or a server-supplied string may
// be, and how many of something may be printed or run at once. Every reader
// of untrusted input takes its bound from here, so a reviewer can see them
// all at once and no two readers disagree.
//
// It imports nothing.
package caps

// Files and flags.
const (
	// KeyFile is the largest --api-key-file accepted (bytes). W&B keys are
	// about 40 characters; anything near this size is not a key.
	KeyFile = 4 << 10
	// ManifestFile is the largest manifest file accepted (bytes), checked
	// before it is parsed.
	ManifestFile = 256 << 20
	// ManifestIndicators is the most YAML structure indicators (every , [
	// and {, - ? : before a space or line break, : after a quote) one manifest file may
	// hold, checked before it is parsed: the YAML library's tree costs
	// about 200 bytes per value and a value takes as little as one
	// indicator (two bytes, such as "1,"), so the file size alone does not
	// bound memory. About 1.6 GB at most; a manifest of 100,000 users in
	// 5,000 teams of 100 holds about 0.93 million.
	ManifestIndicators = 4_000_000
	// ManifestTotal is the most bytes all the manifest files of one run
	// may hold together: each file is bounded above, and a directory of
	// many files no less.
	ManifestTotal = 1 << 30
	// StateFile is the largest emulator --state file accepted (bytes).
	StateFile = 256 << 20
	// ManifestSubdirEntries is how many entries the check for YAML files
	// no -f reads visits below each -f directory (a -f . in a large
	// repository is not walked whole, though a directory visited is read
	// whole); ManifestSubdirsNamed is how many such directories it names.
	ManifestSubdirEntries = 10000
	ManifestSubdirsNamed  = 5
	// EmulatorRequest is the largest request body the emulator reads
	// (bytes); a larger one is answered 413.
	EmulatorRequest = 16 << 20
	// EmulatorBodySlots is how many request bodies the emulator reads at
	// once: at most that many times EmulatorRequest in memory, however
	// many clients send (a request waits for a slot while its client is
	// there, bounded by the server's read timeout).
	EmulatorBodySlots = 4
	// EmulatorReadSeconds bounds the time a client of the emulator takes to
	// send a whole request (headers and body), and EmulatorIdleSeconds how
	// long a kept-alive connection may wait for its next request: a client
	// that sends slowly, or not at all, holds no slot or connection for
	// ever.
	EmulatorReadSeconds = 60
	EmulatorIdleSeconds = 120
	// EmulatorServiceAccounts is the most org service accounts, and
	// EmulatorTeamServiceAccounts the most team-scoped ones per team, the
	// emulator seeds: a real organization has a handful, and a count with
	// a few zeros too many would fill memory before it serves.
	EmulatorServiceAccounts     = 100_000
	EmulatorTeamServiceAccounts = 100
	// ManifestErrorSearch is the largest manifest file (bytes) in which a
	// YAML syntax error is looked for line by line (by parsing prefixes
	// of the file, about 20 of them), to name the line where it arises
	// rather than where the broken construct starts.
	ManifestErrorSearch = 1 << 20
	// ManifestErrorReparse bounds, over one load of all the manifest
	// files, the bytes that search parses again (bytes): a directory of
	// files that each hold a syntax error costs seconds more, not minutes;
	// the errors past it are shown as in a file too large to search.
	ManifestErrorReparse = 128 << 20
	// TeamMembers is the most members one manifest team may list: a team
	// W&B lists with its members is one record of a list (Record), and
	// wbsync must be able to read back what it makes. At W&B's member
	// shape (about 90 bytes with its $ref) 500,000 members take about 45
	// MB of the 64 MiB record.
	TeamMembers = 500_000
	// PlanFile is the largest saved plan accepted by apply (bytes).
	PlanFile = 1 << 30
	// PlanElements is the most list elements and map entries a saved plan
	// may hold in all. Each decodes into a record of up to 240 bytes
	// whatever its size in the file, so a file of PlanFile bytes holding
	// `{},{},…` would take a hundred gigabytes; at this cap the records
	// take about 1.2 GB. A first run at 100,000 users (101,000 creates,
	// 505,000 adds, the manifest's 100,000 users and 500,000 members)
	// holds about 1.2 million.
	PlanElements = 5_000_000
	// Problems is how many manifest problems are printed; the rest are
	// counted in one line.
	Problems = 100
	// Concurrency is the most parallel requests a run makes: a larger
	// --concurrency is capped to it, with a warning.
	Concurrency = 64
	// MinTimeoutSeconds and MaxTimeoutSeconds bound --timeout: below a
	// second no real request completes, and above an hour a stalled one
	// holds the run.
	MinTimeoutSeconds = 1
	MaxTimeoutSeconds = 3600
	// MaxBatchSize bounds --batch-size: members in one PATCH add (a body
	// of this many member values stays far below the write body cap).
	MaxBatchSize = 1000
	// MinRateLimit is the slowest --rate-limit allowed (requests/second),
	// so that no single wait is longer than ten seconds.
	MinRateLimit = 0.1
	// PageSize is the most resources one list request asks for: W&B's
	// documented maximum per request.
	PageSize = 9999
	// Username is the longest manifest username accepted, in characters:
	// the manifest JSON Schema's maxLength too (a test keeps them equal).
	Username = 256
	// Email is the longest manifest email accepted, in bytes: RFC 5321's
	// 254 octets, and the manifest JSON Schema's maxLength.
	Email = 254
	// SuggestKey is the longest unknown manifest key (bytes) for which a
	// known one is suggested: the edit distance costs the product of the
	// two lengths, and no known key is near this long.
	SuggestKey = 64
	// WriteProbe is the most bytes apply's report is probed for on disk
	// before anything is sent (the probe is written, then removed): a disk
	// with this much room left for the report is taken to have enough. A
	// report takes about a kilobyte per change, so this covers about
	// 260,000 changes.
	WriteProbe = 256 << 20
	// TraceLine is the longest line of a --trace file read back (bytes):
	// two bodies of TraceBody, each up to six times longer once
	// JSON-escaped, with room for the rest of the record.
	TraceLine = 16*TraceBody + 1<<20
)

// Server responses.
const (
	// ListBody caps one list page's body (bytes): W&B answers up to 9999
	// resources a page.
	ListBody = 64 << 20
	// Body caps every other response body (bytes): one resource or an
	// error.
	Body = 1 << 20
	// BodySlots is how many response bodies are read and decoded at once,
	// whatever --concurrency is, so that peak memory is bounded by
	// BodySlots × ListBody and not by the number of requests in flight.
	BodySlots = 4
	// LookUps is how many filtered look-ups (a write's check after a 409,
	// a 5xx or an answer not read) whose answer takes more than one page
	// are read at once. Such a look-up holds what its answer lists until
	// it ends, and a server ignoring the filter lists the whole
	// organization to each: this keeps that to about LookUps
	// organizations' worth (and the one a finished look-up is still
	// sifting), whatever --concurrency. Look-ups answered in one page (a
	// filter honoured) are not held back: one at a time made a 2,000-user
	// onboarding under 30% faults take 121 s instead of 12.
	LookUps = 1
	// Attempts is the most attempts one request makes when what fails can
	// heal (429, 5xx, a dropped connection): about 20 s of backoff, so a
	// server that keeps failing fast is reported within seconds. One that
	// stalls instead costs each attempt its --timeout, within the retry
	// budget (README "Retries": about two minutes at the default 30 s).
	Attempts = 8
	// FailedInARow is how many requests in a row may fail after all their
	// attempts before the others are tried once each, until one succeeds:
	// a server that refuses everything (a 429 to every write) is reported
	// in minutes, not in 20 s per operation.
	FailedInARow = 8
	// TotalResults is the largest totalResults a list may claim.
	TotalResults = 2_000_000
	// Pages is the most pages one list read may take: a server that claims
	// a large total but answers a handful of resources a page is refused
	// rather than paged for days.
	Pages = 20_000
	// Record caps one record of a list (a user or a team, with its
	// members), in bytes: as large as a page may be (ListBody), room for
	// a team of about 700,000 members at W&B's member shape, above the
	// TeamMembers a manifest may give one team. A larger one fails the
	// read.
	Record = ListBody
	// Depth is how deep arrays and objects may nest in a record (or in a
	// value of the list envelope), as in encoding/json.
	Depth = 10000
	// ErrorPeek is how much of a list answer (bytes) is looked at for a
	// SCIM error message before it is decoded as a list: an error body
	// under this size is classified by the status it states.
	ErrorPeek = 4 << 10
	// Interned is the most distinct strings (the team and role names of
	// teamRoles) one read of the users shares between its records; past
	// it, each record holds its own copy.
	Interned = 1 << 16
	// Field caps one string attribute of a record (userName, displayName,
	// an email, an id, a role name): a longer one makes the record
	// malformed.
	Field = 4 << 10
	// UserEmails caps the emails one User record lists (W&B keeps one per
	// user on Dedicated Cloud, a few on Multi-tenant): more make the record
	// malformed, so that a record of many MiB cannot hold half a million
	// emails, each kept apart in memory.
	UserEmails = 100
	// UserGroups caps the group ids one User record's groups attribute
	// gives (the teams it names; only evidence that a team read as empty
	// is not): more are ignored, never an error.
	UserGroups = 100
	// GroupsNamed caps the distinct group ids a read keeps from users'
	// groups attributes: more are ignored, so that a hostile list cannot
	// grow it past what an organization's teams number.
	GroupsNamed = 200_000
	// ShownID is how much of a server-supplied id a message quotes, after
	// redaction, in characters.
	ShownID = 64
	// ShownValue is how much of a value given on the command line or in
	// the environment (a flag's, a variable's, a file name) a message
	// quotes, in characters: enough for any path or URL a person types,
	// and a value pasted by mistake (a whole file) is not echoed whole.
	ShownValue = 512
	// Detail is how much of a server-supplied message (SCIM detail,
	// scimType, a plain-text body, a snippet quoted in a decode error) is
	// shown, after redaction, in characters.
	Detail = 200
	// ErrorText is how much of one of wbsync's own errors a doctor check
	// quotes, in characters: the request, the server's words (each cut
	// to Detail already) and the hint, whole.
	ErrorText = 2000
	// TraceBody caps each request or response body in a --trace file
	// (bytes); a longer one is cut with a marker.
	TraceBody = 1 << 20
	// TraceHeader caps each header value in a --trace file (bytes); a
	// longer one is cut with a marker.
	TraceHeader = 4 << 10
	// ResponseHeaders caps the headers of one answer (bytes; Go's own
	// default is 10 MiB): a server sending more fails that request.
	ResponseHeaders = 256 << 10
	// TraceMargin is how many bytes past TraceBody a --trace capture
	// keeps, so that a key straddling the cut is still redacted before
	// the cut (a W&B key is 40 characters).
	TraceMargin = 256
	// Token is the longest run of bytes between two structural characters
	// of a list body, checked on the raw bytes before the decoder buffers
	// them: a string of Field characters, each escaped as \uXXXX, with its
	// quotes and some blanks.
	Token = 6*Field + 64
	// TokenBuffer is the JSON reader's buffer (bytes): the longest token
	// it holds, above Token, which stops a longer one first.
	TokenBuffer = 32 << 10
	// ServerWaitSeconds bounds a wait the server asks for (Retry-After,
	// RateLimit-Reset), in seconds: a year, beyond every retry budget, so
	// any longer wait is as good as this one, whatever its digits.
	ServerWaitSeconds = 365 * 24 * 60 * 60
	// RefusalSplits bounds how many times one team's add chunks are split
	// because the server refused them (400, 404, 409): enough to isolate a
	// few bad members (about seven splits each in a chunk of 100), while a
	// refusal that concerns the whole team costs 2×24 requests more, not
	// one request per member. A 413 (too large) splits without this
	// bound: the chunks must shrink for anyone to be added.
	RefusalSplits = 24
	// TeamSample is how many teams doctor's shapes check asks for and
	// looks at: a sample of the shapes a server sends, not the whole
	// list.
	TeamSample = 100
)

// Output: what messages, reports and views show, and what a redacting
// Writer holds back while it writes.
const (
	// ShownManifestValue is how much of a manifest's value or key a
	// problem quotes, in characters (37 and "..."): a message names the
	// place, FILE:LINE:COL, and needs only enough to recognise it.
	ShownManifestValue = 40
	// ShownKey is how much of a key of a saved plan's JSON (one that
	// appears twice in an object) a message quotes, in characters: as
	// much as of an id (ShownID); wbsync's own keys are far shorter.
	ShownKey = 64
	// ReplanArgs is how many bytes of manifest arguments (-f) the command
	// that plans a stale saved plan again names, each at most ShownValue
	// bytes (a message cuts longer runs): a plan records its -f arguments
	// as given (a directory stays one), but a plan file edited by hand may
	// record any number, of any length. A command that cannot name them
	// all is printed commented out, as run it would plan a part of the
	// manifest.
	ReplanArgs = 64 << 10
	// TwiceHold is the most of a run of doubly escaped bytes (%25HH) a
	// redacting Writer holds back, in bytes: 64 of them (a W&B key is 40),
	// and the start of one more.
	TwiceHold = 5*64 + 4
	// PromptAnswer is the most of an answer to apply's "yes" question read
	// (bytes): only "yes" and a line break approve, and a terminal in
	// non-canonical mode would otherwise deliver everything pasted.
	PromptAnswer = 64
	// PromptDrain is the most of a longer answer read and dropped, so
	// that what follows the first PromptAnswer bytes of the line is not
	// left to the shell (bytes).
	PromptDrain = 1 << 20
	// ShownNames is how many names (or ids) one doctor detail lists
	// before "… and N more" (a plan warning's ids of the teams a pin may
	// have meant too), and how many reasons export gives for the
	// members it leaves out of one team before "; and N more", so that a
	// message stays short whatever the server holds.
	ShownNames = 5
	// KeyProbes is how many times in one apply a write answered 401 makes
	// apply read one user to tell a revoked key (the read refused too:
	// every later write would be) from a refusal of that write alone,
	// so that a server that answers some writes 401 costs a few reads,
	// not one per write.
	KeyProbes = 3
	// ListedNotStarted is how many operations an interrupt (or a key the
	// server refused) kept from starting the text report of apply names;
	// the rest are counted on one line (an interrupted onboarding of 20,000 users would print 48,000
	// lines).
	ListedNotStarted = 20
	// Markdown is the most characters (UTF-16 code units, as a browser
	// counts them) the markdown view of a plan holds, so that it fits in
	// one pull-request comment (GitHub allows 65,536 characters).
	Markdown = 60000
	// TextWarningsPerCode is how many warnings of one of the codes that
	// note users and teams the plan leaves as they are (user_without_team,
	// unresolved_member, unmanaged_user, protected) the text plan lists;
	// one line counts the rest.
	TextWarningsPerCode = 20
	// MarkdownName is the most characters one name (a user's email or
	// userName, a team's name or id) takes in the markdown view, escaped
	// as it shows it: a longer one is shown by its head and tail around
	// "…" and a short hash of it. No email is longer (RFC 5321 allows 254
	// octets, W&B's are far shorter), and a server record whose names
	// hold thousands of characters cannot use the comment's room to push
	// other users' names out of it.
	MarkdownName = 128
)
