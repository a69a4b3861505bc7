package notify

import (
	"fmt"
	"testing"
)

func TestBroadcastNotifiesEveryUser(t *testing.T) {
	mock := &MockNotifier{}
	users := make([]string, 50)
	for i := range users {
		users[i] = fmt.Sprintf("user%d", i)
	}

	Broadcast(mock, users, "hello")

	if len(mock.Calls) != len(users) {
		t.Fatalf("got %d calls, want %d", len(mock.Calls), len(users))
	}
	if mock.Sent() != len(users) {
		t.Fatalf("sent %d, want %d", mock.Sent(), len(users))
	}
}
