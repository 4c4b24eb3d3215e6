def test_it_answers_an_open_conversation_with_the_assistant(customer, events):
    response = customer.client().post(customer.url("messages/"), {"message": "Where is my order?"})
    assert response.status_code == 201
    assert response.json()["ai_response"]["sender"] == "ai"
    assert [e.type for e in events] == ["message.created", "message.created"]
