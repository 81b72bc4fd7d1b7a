package googlesync

import (
	"context"

	"google.golang.org/api/people/v1"
)

// groupFields is the groupFields mask of contactGroups.list.
const groupFields = "groupType,metadata,name"

// groupPageSize is contactGroups.list's page size (its maximum).
const groupPageSize = 1000

// listCall builds one connections.list call of a chain. Every call of a
// chain, and of every chain of one Syncer, sends the same personFields,
// pageSize, sources and requestSyncToken=true; only syncToken (the
// incremental pass's starting token, repeated on each of its pages) and
// pageToken differ.
func listCall(svc *people.Service, pageSize int, syncToken, pageToken string) *people.PeopleConnectionsListCall {
	call := svc.People.Connections.List("people/me").
		PersonFields(PersonFields).
		PageSize(int64(pageSize)).
		Sources(Sources...).
		RequestSyncToken(true)
	if syncToken != "" {
		call = call.SyncToken(syncToken)
	}
	if pageToken != "" {
		call = call.PageToken(pageToken)
	}
	return call
}

// fetchPage makes one connections.list call (no retry: the caller wraps
// it).
func fetchPage(ctx context.Context, svc *people.Service, pageSize int, syncToken, pageToken string) (*people.ListConnectionsResponse, error) {
	return listCall(svc, pageSize, syncToken, pageToken).Context(ctx).Do()
}

// fetchGroupPage makes one contactGroups.list call.
func fetchGroupPage(ctx context.Context, svc *people.Service, pageToken string) (*people.ListContactGroupsResponse, error) {
	call := svc.ContactGroups.List().GroupFields(groupFields).PageSize(groupPageSize)
	if pageToken != "" {
		call = call.PageToken(pageToken)
	}
	return call.Context(ctx).Do()
}
