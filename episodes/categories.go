package episodes

// appleCategories is Apple Podcasts' category list (as of the 2019 revision
// Apple still uses): each top-level category with its subcategories. Names are
// exact, including "&"; feeds escape them.
var appleCategories = map[string][]string{
	"Arts":                    {"Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"},
	"Business":                {"Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"},
	"Comedy":                  {"Comedy Interviews", "Improv", "Stand-Up"},
	"Education":               {"Courses", "How To", "Language Learning", "Self-Improvement"},
	"Fiction":                 {"Comedy Fiction", "Drama", "Science Fiction"},
	"Government":              nil,
	"History":                 nil,
	"Health & Fitness":        {"Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality"},
	"Kids & Family":           {"Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"},
	"Leisure":                 {"Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies", "Home & Garden", "Video Games"},
	"Music":                   {"Music Commentary", "Music History", "Music Interviews"},
	"News":                    {"Business News", "Daily News", "Entertainment News", "News Commentary", "Politics", "Sports News", "Tech News"},
	"Religion & Spirituality": {"Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality"},
	"Science":                 {"Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics", "Natural Sciences", "Nature", "Physics", "Social Sciences"},
	"Society & Culture":       {"Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships"},
	"Sports":                  {"Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey", "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness", "Wrestling"},
	"Technology":              nil,
	"True Crime":              nil,
	"TV & Film":               {"After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"},
}

// AppleCategories returns a copy of Apple Podcasts' category list: each
// top-level category mapped to its subcategories (nil when it has none).
// Forms and docs use it; Validate checks against the same list.
func AppleCategories() map[string][]string {
	out := make(map[string][]string, len(appleCategories))
	for c, subs := range appleCategories {
		out[c] = append([]string(nil), subs...)
	}
	return out
}

// validCategory reports whether category (and subcategory, when not empty)
// is in Apple's list, and whether the category itself is known.
func validCategory(category, subcategory string) (categoryKnown, ok bool) {
	subs, known := appleCategories[category]
	if !known {
		return false, false
	}
	if subcategory == "" {
		return true, true
	}
	for _, s := range subs {
		if s == subcategory {
			return true, true
		}
	}
	return true, false
}
