package feed

import (
	"encoding/xml"

	"github.com/lyssna/lyssna/links"
)

// pushTags are the channel's tags that tell apps how they hear of changes
// without polling: an atom:link rel="hub" per WebSub hub, and
// podcast:podping usesPodping="true" when Lyssna sends Podping. Package
// notify sends the pings; links.Builder carries the settings.
type pushTags struct {
	hubs    []string
	podping bool
}

func newPushTags(lb links.Builder) pushTags {
	return pushTags{hubs: lb.Hubs(), podping: lb.Podping()}
}

// MarshalXML writes the tags in place of the channel field that holds
// them; nothing when there are none.
func (p pushTags) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	type hubLink struct {
		Href string `xml:"href,attr"`
		Rel  string `xml:"rel,attr"`
	}
	for _, h := range p.hubs {
		if err := e.EncodeElement(hubLink{Href: h, Rel: "hub"}, xml.StartElement{Name: xml.Name{Local: "atom:link"}}); err != nil {
			return err
		}
	}
	if p.podping {
		type podping struct {
			UsesPodping string `xml:"usesPodping,attr"`
		}
		return e.EncodeElement(podping{UsesPodping: "true"}, xml.StartElement{Name: xml.Name{Local: "podcast:podping"}})
	}
	return nil
}
