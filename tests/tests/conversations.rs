//! Saved conversations: chat, then read them back, page through them, delete them, restart.

use std::time::Duration;

use bantz_tests::{Bantz, Options, Value, json, json_error, json_ok};

/// `GET /api/v1/conversations` (with `query`), asserting a 200; the list.
async fn conversations(bantz: &Bantz, query: &str) -> Vec<Value> {
    json_ok(bantz.get(&format!("/api/v1/conversations{query}")).await)
        .await
        .as_array()
        .unwrap()
        .clone()
}

/// `GET /api/v1/conversations/{id}/messages`, asserting a 200; the messages.
async fn messages(bantz: &Bantz, id: &str) -> Vec<Value> {
    json_ok(
        bantz
            .get(&format!("/api/v1/conversations/{id}/messages"))
            .await,
    )
    .await
    .as_array()
    .unwrap()
    .clone()
}

#[tokio::test]
async fn chats_are_listed_newest_first_with_their_messages_in_order() {
    let bantz = Bantz::start().await;
    let first = bantz.chat("saat kaç").await;
    let older = first["session_id"].as_str().unwrap().to_owned();
    let second = bantz.say(&older, "what time is it").await;
    // Two saves in one millisecond would make the paging below ambiguous.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let third = bantz.chat("saat kaç?").await;
    let newer = third["session_id"].as_str().unwrap().to_owned();

    let list = conversations(&bantz, "").await;
    let ids: Vec<&str> = list.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [newer.as_str(), older.as_str()], "{list:#?}");
    assert_eq!(list[0]["message_count"], 2);
    assert_eq!(list[1]["message_count"], 4);
    for (conversation, reply) in [(&list[0], &third), (&list[1], &second)] {
        let last = &conversation["last_message"];
        assert_eq!(last["role"], "assistant", "{conversation}");
        assert_eq!(last["text"], reply["response"], "{conversation}");
        assert_eq!(last["created_at_ms"], conversation["updated_at_ms"]);
        assert!(
            conversation["created_at_ms"].as_i64().unwrap()
                <= conversation["updated_at_ms"].as_i64().unwrap(),
            "{conversation}"
        );
    }
    assert!(list[0]["updated_at_ms"].as_i64() > list[1]["updated_at_ms"].as_i64());

    let messages = messages(&bantz, &older).await;
    let shape: Vec<(&str, &str)> = messages
        .iter()
        .map(|m| (m["role"].as_str().unwrap(), m["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        shape,
        [
            ("user", "saat kaç"),
            ("assistant", first["response"].as_str().unwrap()),
            ("user", "what time is it"),
            ("assistant", second["response"].as_str().unwrap()),
        ]
    );
    for m in &messages {
        if m["role"] == "user" {
            assert_eq!(m["tools_used"], json!([]), "{m}");
            assert!(m.get("tier").is_none(), "a user message has no tier: {m}");
        } else {
            assert_eq!(m["tools_used"], json!(["clock.now"]), "{m}");
            assert_eq!(m["tier"], "rules", "{m}");
        }
    }
    let times: Vec<i64> = messages
        .iter()
        .map(|m| m["created_at_ms"].as_i64().unwrap())
        .collect();
    assert!(times.is_sorted(), "{times:?}");
    assert_eq!(times[0], list[1]["created_at_ms"].as_i64().unwrap());

    // Paging: the newest one, then the ones updated before it.
    let page = conversations(&bantz, "?limit=1").await;
    assert_eq!(page.len(), 1);
    assert_eq!(page[0]["id"], newer.as_str());
    let before = page[0]["updated_at_ms"].as_i64().unwrap();
    let page = conversations(&bantz, &format!("?limit=1&before_ms={before}")).await;
    assert_eq!(page.len(), 1);
    assert_eq!(page[0]["id"], older.as_str());
    let before = page[0]["updated_at_ms"].as_i64().unwrap();
    assert!(
        conversations(&bantz, &format!("?before_ms={before}"))
            .await
            .is_empty()
    );
    assert_eq!(conversations(&bantz, "?limit=200").await.len(), 2);
}

#[tokio::test]
async fn an_unknown_conversation_is_404() {
    let bantz = Bantz::start().await;
    bantz.chat("saat kaç").await;
    let error = json_error(
        bantz
            .get("/api/v1/conversations/no-such-conversation/messages")
            .await,
        404,
        "CONVERSATION_NOT_FOUND",
    )
    .await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("no-such-conversation"),
        "{error}"
    );
    json_error(
        bantz
            .delete("/api/v1/conversations/no-such-conversation")
            .await,
        404,
        "CONVERSATION_NOT_FOUND",
    )
    .await;
    assert_eq!(conversations(&bantz, "").await.len(), 1);
}

#[tokio::test]
async fn deleting_a_conversation_removes_it_and_its_messages() {
    let bantz = Bantz::start().await;
    let gone = bantz.chat("saat kaç").await["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    bantz.say(&gone, "what time is it").await;
    let kept = bantz.chat("what time is it").await["session_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let response = bantz.delete(&format!("/api/v1/conversations/{gone}")).await;
    assert_eq!(response.status(), 204);
    assert!(response.bytes().await.unwrap().is_empty());

    let list = conversations(&bantz, "").await;
    let ids: Vec<&str> = list.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [kept.as_str()]);
    json_error(
        bantz
            .get(&format!("/api/v1/conversations/{gone}/messages"))
            .await,
        404,
        "CONVERSATION_NOT_FOUND",
    )
    .await;
    json_error(
        bantz.delete(&format!("/api/v1/conversations/{gone}")).await,
        404,
        "CONVERSATION_NOT_FOUND",
    )
    .await;
    assert_eq!(messages(&bantz, &kept).await.len(), 2);

    // Sending the deleted id again starts the conversation afresh.
    bantz.say(&gone, "saat kaç").await;
    assert_eq!(messages(&bantz, &gone).await.len(), 2);
}

#[tokio::test]
async fn deleting_all_conversations_says_how_many_there_were() {
    let bantz = Bantz::start().await;
    let session = bantz.chat("saat kaç").await["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    bantz.say(&session, "what time is it").await;
    bantz.chat("what time is it").await;
    bantz.chat("bugün günlerden ne").await;

    let deleted = json_ok(bantz.delete("/api/v1/conversations").await).await;
    assert_eq!(deleted, json!({ "deleted": 3 }));
    assert!(conversations(&bantz, "").await.is_empty());
    json_error(
        bantz
            .get(&format!("/api/v1/conversations/{session}/messages"))
            .await,
        404,
        "CONVERSATION_NOT_FOUND",
    )
    .await;
    let deleted = json_ok(bantz.delete("/api/v1/conversations").await).await;
    assert_eq!(deleted, json!({ "deleted": 0 }));
}

/// A new conversation gets a time-ordered UUID (v7), so its rows are appended to the
/// conversation indexes rather than scattered through them (see docs/benchmarks.md).
#[tokio::test]
async fn new_conversations_get_time_ordered_uuids() {
    let bantz = Bantz::start().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            bantz.chat("saat kaç").await["session_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for id in &ids {
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(&id[14..15], "7", "not a UUIDv7: {id}");
    }
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
}

/// Turns that arrive together are committed together; every one that was answered is saved,
/// and the turns of one conversation keep their order.
#[tokio::test]
async fn every_answered_turn_of_concurrent_chats_is_saved() {
    let bantz = Bantz::start().await;
    let shared = bantz.chat("saat kaç").await["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let new_ones = (0..40).map(|_| async { bantz.chat("what time is it").await });
    let in_shared = (0..10).map(|i| {
        let shared = shared.clone();
        let bantz = &bantz;
        async move {
            // One after another within the conversation, all of them beside the new ones.
            let mut replies = Vec::new();
            for j in 0..3 {
                replies.push(bantz.say(&shared, &format!("saat kaç {i}-{j}")).await);
            }
            replies
        }
    });
    let (new_ones, in_shared) = tokio::join!(
        futures_util::future::join_all(new_ones),
        futures_util::future::join_all(in_shared)
    );

    let list = conversations(&bantz, "?limit=100").await;
    assert_eq!(list.len(), 41, "{list:#?}");
    for reply in &new_ones {
        let id = reply["session_id"].as_str().unwrap();
        let saved = messages(&bantz, id).await;
        assert_eq!(saved.len(), 2, "{id}: {saved:#?}");
        assert_eq!(saved[1]["text"], reply["response"]);
    }
    let saved = messages(&bantz, &shared).await;
    assert_eq!(saved.len(), 2 + 10 * 3 * 2, "{saved:#?}");
    for i in 0..10 {
        let order: Vec<&str> = saved
            .iter()
            .filter_map(|m| m["text"].as_str())
            .filter(|t| t.starts_with(&format!("saat kaç {i}-")))
            .collect();
        let expected: Vec<String> = (0..3).map(|j| format!("saat kaç {i}-{j}")).collect();
        assert_eq!(order, expected);
    }
    assert!(
        in_shared
            .iter()
            .flatten()
            .all(|r| r["session_id"] == shared)
    );
}

#[tokio::test]
async fn conversations_survive_a_restart() {
    let bantz = Bantz::start().await;
    let reply = bantz.chat("saat kaç").await;
    let session = reply["session_id"].as_str().unwrap().to_owned();
    let before = conversations(&bantz, "").await;

    let bantz = bantz.restart(Options::default()).await;
    assert_eq!(conversations(&bantz, "").await, before);
    let messages = messages(&bantz, &session).await;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["text"], reply["response"]);
    assert_eq!(messages[1]["tools_used"], json!(["clock.now"]));
}

#[tokio::test]
async fn conversations_need_the_token() {
    let bantz = Bantz::start().await;
    let session = bantz.chat("saat kaç").await["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let one = bantz.url(&format!("/api/v1/conversations/{session}"));
    let requests = [
        bantz.http.get(bantz.url("/api/v1/conversations")),
        bantz.http.get(format!("{one}/messages")),
        bantz.http.delete(&one),
        bantz.http.delete(bantz.url("/api/v1/conversations")),
        bantz
            .http
            .delete(bantz.url("/api/v1/conversations"))
            .bearer_auth("wrong-token"),
    ];
    for request in requests {
        json_error(request.send().await.unwrap(), 401, "UNAUTHORIZED").await;
    }
    assert_eq!(messages(&bantz, &session).await.len(), 2);
}

#[tokio::test]
async fn a_limit_out_of_range_is_422() {
    let bantz = Bantz::start().await;
    bantz.chat("saat kaç").await;
    for limit in ["0", "1000", "201", "-1"] {
        let error = json_error(
            bantz
                .get(&format!("/api/v1/conversations?limit={limit}"))
                .await,
            422,
            "VALIDATION_FAILED",
        )
        .await;
        assert!(
            error["message"].as_str().unwrap().contains("limit"),
            "{error}"
        );
    }
    // Not a number at all: the parameter fails validation, and says which one.
    let error = json_error(
        bantz.get("/api/v1/conversations?limit=many").await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(error["details"]["fields"], json!(["limit"]), "{error}");
    assert_eq!(conversations(&bantz, "?limit=1").await.len(), 1);
}
