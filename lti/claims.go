package lti

import (
	"encoding/json"
	"fmt"
)

// The LTI message types and claim names (LTI Core 1.3, Deep Linking 2.0).
const (
	MessageResourceLink        = "LtiResourceLinkRequest"
	MessageDeepLinking         = "LtiDeepLinkingRequest"
	MessageDeepLinkingResponse = "LtiDeepLinkingResponse"
	Version                    = "1.3.0"

	claimPrefix   = "https://purl.imsglobal.org/spec/lti/claim/"
	dlClaimPrefix = "https://purl.imsglobal.org/spec/lti-dl/claim/"
)

// Claims are the LTI claims of a launch's id_token that the tool reads.
type Claims struct {
	Nonce              string              `json:"nonce"`
	AuthorizedParty    string              `json:"azp,omitempty"`
	MessageType        string              `json:"https://purl.imsglobal.org/spec/lti/claim/message_type"`
	Version            string              `json:"https://purl.imsglobal.org/spec/lti/claim/version"`
	DeploymentID       string              `json:"https://purl.imsglobal.org/spec/lti/claim/deployment_id"`
	TargetLinkURI      string              `json:"https://purl.imsglobal.org/spec/lti/claim/target_link_uri,omitempty"`
	ResourceLink       *ResourceLink       `json:"https://purl.imsglobal.org/spec/lti/claim/resource_link,omitempty"`
	Roles              []string            `json:"https://purl.imsglobal.org/spec/lti/claim/roles"`
	Context            *Context            `json:"https://purl.imsglobal.org/spec/lti/claim/context,omitempty"`
	Custom             map[string]any      `json:"https://purl.imsglobal.org/spec/lti/claim/custom,omitempty"`
	LaunchPresentation *LaunchPresentation `json:"https://purl.imsglobal.org/spec/lti/claim/launch_presentation,omitempty"`
	ToolPlatform       *ToolPlatform       `json:"https://purl.imsglobal.org/spec/lti/claim/tool_platform,omitempty"`
	DeepLinking        *DeepLinkSettings   `json:"https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings,omitempty"`
}

// ResourceLink is the link in the course that was launched.
type ResourceLink struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
}

// Context is the course.
type Context struct {
	ID    string `json:"id"`
	Label string `json:"label,omitempty"`
	Title string `json:"title,omitempty"`
}

// LaunchPresentation says how the platform shows the tool.
type LaunchPresentation struct {
	DocumentTarget string `json:"document_target,omitempty"`
	ReturnURL      string `json:"return_url,omitempty"`
}

// ToolPlatform describes the platform instance.
type ToolPlatform struct {
	GUID string `json:"guid,omitempty"`
	Name string `json:"name,omitempty"`
	URL  string `json:"url,omitempty"`
}

// DeepLinkSettings are a Deep Linking request's settings.
type DeepLinkSettings struct {
	ReturnURL      string   `json:"deep_link_return_url"`
	AcceptTypes    []string `json:"accept_types"`
	AcceptTargets  []string `json:"accept_presentation_document_targets,omitempty"`
	AcceptMultiple flexBool `json:"accept_multiple,omitempty"`
	AutoCreate     flexBool `json:"auto_create,omitempty"`
	Title          string   `json:"title,omitempty"`
	Text           string   `json:"text,omitempty"`
	Data           string   `json:"data,omitempty"`
}

// flexBool reads true, false, "true" and "false": platforms differ.
type flexBool bool

func (b *flexBool) UnmarshalJSON(p []byte) error {
	switch string(p) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`, "null", `""`:
		*b = false
	default:
		return fmt.Errorf("not a boolean: %s", p)
	}
	return nil
}

// custom returns a custom parameter as a string.
func (c *Claims) custom(name string) string {
	switch v := c.Custom[name].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// ContentItem is one item of a Deep Linking response.
type ContentItem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title,omitempty"`
	Text   string            `json:"text,omitempty"`
	URL    string            `json:"url,omitempty"`
	HTML   string            `json:"html,omitempty"`
	Custom map[string]string `json:"custom,omitempty"`
	Iframe *Iframe           `json:"iframe,omitempty"`
}

// Iframe is how a content item is framed.
type Iframe struct {
	Src    string `json:"src,omitempty"`
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
}

// deepLinkResponse are the LTI claims of the tool's Deep Linking response.
type deepLinkResponse struct {
	Nonce        string        `json:"nonce"`
	MessageType  string        `json:"https://purl.imsglobal.org/spec/lti/claim/message_type"`
	Version      string        `json:"https://purl.imsglobal.org/spec/lti/claim/version"`
	DeploymentID string        `json:"https://purl.imsglobal.org/spec/lti/claim/deployment_id"`
	ContentItems []ContentItem `json:"https://purl.imsglobal.org/spec/lti-dl/claim/content_items"`
	Data         string        `json:"https://purl.imsglobal.org/spec/lti-dl/claim/data,omitempty"`
	Message      string        `json:"https://purl.imsglobal.org/spec/lti-dl/claim/msg,omitempty"`
}
